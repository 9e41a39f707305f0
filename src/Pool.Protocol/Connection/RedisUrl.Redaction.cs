namespace Pool.Protocol.Connection;

// The forms of a Redis URL that are safe to log or print: no password, no parameter value but min_replica_acks's.
public static partial class RedisUrl
{
    /// <summary>
    /// Free text (a worker command line) with the password of every URL, the value of every URL
    /// query parameter but min_replica_acks, and every password= entry in it replaced by ***, so
    /// `check` can print a command that carries --redis.
    /// </summary>
    internal static string RedactWithin(string text) =>
        PasswordInText().Replace(QueryValueInText().Replace(text, m => m.Groups["keep"].Value + "***"), m => m.Groups["keep"].Value + "***");

    // A URL's user info: "://user:password@" keeps the user, "://password@" (as hosted Redis hands
    // it out, and as Parse reads it) keeps nothing.
    [System.Text.RegularExpressions.GeneratedRegex(@"(?<keep>://[^\s/@:]*:)[^\s@]+(?=@)|(?<keep>://)[^\s/@:'""]+(?=@)|(?<keep>(?i:password)\s*=\s*)[^,\s""']+")]
    private static partial System.Text.RegularExpressions.Regex PasswordInText();

    // The value of each query parameter of a URL (after its "://"), but min_replica_acks's.
    [System.Text.RegularExpressions.GeneratedRegex(@"(?<=://[^\s'""]*)(?<keep>[?&](?!(?i:min_replica_acks)=)[^\s=&'""]*=)[^\s&'""]*")]
    private static partial System.Text.RegularExpressions.Regex QueryValueInText();

    /// <summary>
    /// The URL with any password, and the value of every query parameter but min_replica_acks,
    /// replaced by ***, so it can be logged. Pool reads no other parameter, so their values are
    /// never Pool's to show, and one such as ?password= or ?token= is a secret; their names stay
    /// for the error that refuses them.
    /// </summary>
    public static string Redact(string? url)
    {
        if (string.IsNullOrEmpty(url)) return "";
        if (!url.Contains("://", StringComparison.Ordinal))
        {
            // A configuration string: blank out password=... entries, however spaced or cased
            // (the client reads " Password = x" as the password too).
            return string.Join(',', url.Split(',').Select(p =>
                p.IndexOf('=') is var eq and > 0 && p[..eq].Trim().Equals("password", StringComparison.OrdinalIgnoreCase) ? "password=***" : p));
        }
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal) + 3;
        // A password with a '?' in it ("redis://:a?b=c@h"): all up to its last '@' is hidden,
        // or the query's rule below would leave its start ("a") in sight.
        if (UserInfoHoldsDelimiter(url, schemeEnd))
            return WithoutQueryValues(url[..schemeEnd] + "***" + url[url.LastIndexOf('@')..], schemeEnd);
        // The query first: an '@' in one of its values ("?password=a@b") is no end of user info.
        url = WithoutQueryValues(url, schemeEnd);
        var at = url.LastIndexOf('@');
        if (at < schemeEnd) return url;
        var userInfo = url[schemeEnd..at];
        var colon = userInfo.IndexOf(':');
        var redacted = colon >= 0 ? userInfo[..(colon + 1)] + "***" : "***";
        return url[..schemeEnd] + redacted + url[at..];
    }

    private static string WithoutQueryValues(string url, int schemeEnd)
    {
        var query = url.IndexOf('?', schemeEnd);
        if (query < 0) return url;
        return url[..(query + 1)] + string.Join('&', url[(query + 1)..].Split('&').Select(p =>
            p.IndexOf('=') is var eq and >= 0
                ? !p[..eq].Trim().Equals(AcksParameter, StringComparison.OrdinalIgnoreCase) ? p[..(eq + 1)] + "***" : p
                : ParameterName().IsMatch(p) ? p : "***"));
    }

    /// <summary>
    /// Whether a '/', '?' or '#' comes before the URL's last '@' where no plain host[:port] list
    /// precedes it: then it is inside the user name or password ("redis://:pa?ss@host"), not the
    /// start of a path or a query ("redis://host:6379/0?password=a@b").
    /// </summary>
    private static bool UserInfoHoldsDelimiter(string url, int schemeEnd)
    {
        var at = url.LastIndexOf('@');
        if (at < schemeEnd) return false;
        var delimiter = url.IndexOfAny(['/', '?', '#'], schemeEnd);
        if (delimiter < 0 || delimiter > at) return false;
        // "redis://user@host/0?x=a@b": the user info ended before the delimiter.
        var before = url[schemeEnd..delimiter];
        return !before.Contains('@') && !HostList().IsMatch(before);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?:\[[^\]]*\]|[^:@\[\],]+)(?::\d+)?(?:,(?:\[[^\]]*\]|[^:@\[\],]+)(?::\d+)?)*$")]
    private static partial System.Text.RegularExpressions.Regex HostList();

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.-]*$")]
    private static partial System.Text.RegularExpressions.Regex ParameterName();
}
