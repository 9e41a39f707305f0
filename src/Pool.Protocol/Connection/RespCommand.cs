using System.Text;

namespace Pool.Protocol.Connection;

/// <summary>Commands in RESP, for the connections Pool speaks to Redis itself (<see cref="BlockingPopConnection"/>).</summary>
internal static class RespCommand
{
    /// <summary>A command in RESP: an array of bulk strings.</summary>
    public static byte[] Encode(string name, IReadOnlyList<string> args)
    {
        var text = new StringBuilder().Append('*').Append(args.Count + 1).Append("\r\n");
        foreach (var part in args.Prepend(name))
            text.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
