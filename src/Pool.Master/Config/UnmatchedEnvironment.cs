using Pool.Text;

namespace Pool.Master.Config;

/// <summary>
/// An environment that selects no section of a file whose groups are all in sections
/// (`RAILS_ENV=production` and a section spelt `producton:`): resque-pool merges the section
/// named for the environment over the top level and runs what is left, so its pool silently
/// had no workers, and so did Pool's, with only a warning. `check`, the start and HUP refuse
/// it, with the file, the environment and what set it, the sections there are, and the fix.
/// Only this narrow case: an environment with no section while the file has top-level groups
/// (a flat file under RAILS_ENV=production, a file with `foo: 0`) runs those groups as before,
/// and a file with no sections, or no environment selected, is left as it was.
/// </summary>
internal static class UnmatchedEnvironment
{
    /// <summary>The error for <paramref name="environment"/>, which selected no section (<paramref name="chosen"/> is null), or null when this is not the case above.</summary>
    public static ConfigException? Problem(string file, string? environment, string? chosen, IReadOnlyCollection<string> sectionNames,
        int topLevelGroups, IReadOnlyDictionary<string, string?> env)
    {
        if (environment is null || chosen is not null || sectionNames.Count == 0 || topLevelGroups > 0) return null;
        var from = SettingsResolver.EnvironmentSource(environment, env);
        var alike = sectionNames.Where(n => string.Equals(n, environment, StringComparison.OrdinalIgnoreCase)).ToList();
        var fix = alike.Count > 1
            ? $"the sections {string.Join(" and ", alike)} differ only in case, so neither is chosen; keep one of them"
            : NearMiss.Closest(environment, sectionNames) is { } near
                ? $"rename the section '{near}:' to '{environment}:' (or, if '{environment}' is the typo, fix {from.Split('=', ' ')[0]})"
                : $"add a section '{environment}:', select one of the sections with --environment (or {string.Join(", ", SettingsResolver.EnvironmentVariables)}), or put the groups at the top level";
        return new ConfigException(file, null, null,
            $"the environment '{environment}' ({from}) selects no section (sections: {string.Join(", ", sectionNames)}) and the file has no group at the top level, so no worker would run; {fix}");
    }
}
