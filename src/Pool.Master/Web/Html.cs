using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;

namespace Pool.Master.Web;

/// <summary>
/// Builds a page's HTML. Every value put into an interpolated hole is HTML-encoded (text and
/// attribute values alike: the encoder escapes quotes too); only a <see cref="RawHtml"/> goes in
/// as it is, and those come from this code, never from Redis. So a class name of
/// &lt;script&gt; from a job renders as text however a page is written.
/// </summary>
internal sealed class Html
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Default;

    public StringBuilder Builder { get; } = new(8192);

    public Html Add([InterpolatedStringHandlerArgument("")] ref HtmlHandler html) => this;

    public static string Encode(string? text) => text is null ? "" : Encoder.Encode(text);

    public override string ToString() => Builder.ToString();

    [InterpolatedStringHandler]
    public ref struct HtmlHandler
    {
        private readonly StringBuilder _sb;

        public HtmlHandler(int literalLength, int formattedCount, Html html)
        {
            _sb = html.Builder;
        }

        public readonly void AppendLiteral(string s) => _sb.Append(s);

        public readonly void AppendFormatted(RawHtml raw) => _sb.Append(raw.Value);

        public readonly void AppendFormatted(string? text) => _sb.Append(Encode(text));

        public readonly void AppendFormatted<T>(T value) =>
            _sb.Append(Encode(Convert.ToString(value, CultureInfo.InvariantCulture)));
    }
}

/// <summary>Markup this code made itself (a nested piece of a page); never wrap text from Redis or a request in it.</summary>
internal readonly record struct RawHtml(string Value)
{
    public static readonly RawHtml Empty = new("");

    public static RawHtml From(Html html) => new(html.ToString());
}
