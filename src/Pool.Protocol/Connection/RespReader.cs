using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace Pool.Protocol.Connection;

/// <summary>An error reply (-ERR ...), before it is turned into the client's exception type.</summary>
internal sealed class RedisServerError(string message) : Exception(message);

/// <summary>
/// Reads RESP2 replies from a blocking socket: simple strings, errors, integers, bulk strings
/// (null as null) and arrays (a null array as null).
/// </summary>
internal sealed class RespReader
{
    private byte[] _buffer = new byte[16 * 1024];
    private int _start, _end;

    public void Reset() => _start = _end = 0;

    public object? Read(Socket socket)
    {
        var line = ReadLine(socket);
        var body = line[1..];
        switch (line[0])
        {
            case '+': return body;
            case '-': throw new RedisServerError(body);
            case ':': return long.Parse(body, System.Globalization.CultureInfo.InvariantCulture);
            case '$':
                var length = int.Parse(body, System.Globalization.CultureInfo.InvariantCulture);
                if (length < 0) return null;
                var bytes = ReadExactly(socket, length + 2);
                return Encoding.UTF8.GetString(bytes, 0, length);
            case '*':
                var count = int.Parse(body, System.Globalization.CultureInfo.InvariantCulture);
                if (count < 0) return null;
                var items = new object?[count];
                for (var i = 0; i < count; i++) items[i] = Read(socket);
                return items;
            default:
                throw new RedisConnectionException(ConnectionFailureType.ProtocolFailure, $"unexpected reply type '{line[0]}'");
        }
    }

    private string ReadLine(Socket socket)
    {
        while (true)
        {
            var end = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (end > _start && _buffer[end - 1] == '\r')
            {
                var line = Encoding.UTF8.GetString(_buffer, _start, end - 1 - _start);
                _start = end + 1;
                if (line.Length == 0) throw new RedisConnectionException(ConnectionFailureType.ProtocolFailure, "empty reply line");
                return line;
            }
            Fill(socket);
        }
    }

    private byte[] ReadExactly(Socket socket, int count)
    {
        var result = new byte[count];
        var copied = 0;
        while (copied < count)
        {
            if (_start == _end) Fill(socket);
            var n = Math.Min(count - copied, _end - _start);
            Buffer.BlockCopy(_buffer, _start, result, copied, n);
            _start += n;
            copied += n;
        }
        return result;
    }

    /// <summary>Reads more from the socket, keeping what is unread at the front of the buffer.</summary>
    private void Fill(Socket socket)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        var n = socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
        if (n == 0) throw new RedisConnectionException(ConnectionFailureType.SocketClosed, "Redis closed the connection");
        _end += n;
    }
}
