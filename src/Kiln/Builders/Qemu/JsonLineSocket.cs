using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Kiln.Builders.Qemu;

/// <summary>
/// The framing that QMP (<see cref="QmpClient"/>) and the guest agent (<see cref="GuestAgent"/>) share: a unix socket
/// carrying one JSON object per line each way, commands written as {"execute": …, "arguments": …}. A background loop
/// splits what arrives into lines and queues the objects the protocol calls replies; the protocols themselves (greeting,
/// events, resynchronisation, timeouts, error wording) stay with their clients.
/// </summary>
internal sealed class JsonLineSocket : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly Func<JsonObject, bool> _isReply;
    private readonly bool _skipMalformedLines;
    private readonly Channel<JsonObject> _replies = Channel.CreateUnbounded<JsonObject>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _readLoop;

    /// <summary>
    /// Takes over a connected <paramref name="socket"/> and starts reading. <paramref name="isReply"/> sees every object
    /// on the read loop, in order, and says whether to queue it for <see cref="ReadReplyAsync"/>. A line that is not JSON
    /// is passed over when <paramref name="skipMalformedLines"/>, and otherwise ends the conversation.
    /// </summary>
    public JsonLineSocket(Socket socket, Func<JsonObject, bool> isReply, bool skipMalformedLines)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _isReply = isReply;
        _skipMalformedLines = skipMalformedLines;
        _readLoop = Task.Run(ReadLoopAsync);
    }

    /// <summary>A socket connected to <paramref name="socketPath"/>; a failure to connect is thrown.</summary>
    public static async Task<Socket> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Completes when the peer closed the socket, the conversation broke off or this was disposed.</summary>
    public Task Completion => _readLoop;

    public Task SendCommandAsync(string command, JsonObject? arguments, CancellationToken cancellationToken)
    {
        var request = new JsonObject { ["execute"] = command };
        if (arguments is not null)
        {
            request["arguments"] = arguments;
        }

        return SendAsync(Encoding.UTF8.GetBytes(request.ToJsonString() + "\n"), cancellationToken);
    }

    public async Task SendAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(bytes, cancellationToken);
        await _stream.FlushAsync(cancellationToken);
    }

    /// <summary>The next queued reply; <see cref="ChannelClosedException"/> once the read loop has ended and none is left.</summary>
    public ValueTask<JsonObject> ReadReplyAsync(CancellationToken cancellationToken) => _replies.Reader.ReadAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        try
        {
            await _readLoop;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
            // the socket is gone either way
        }

        await _stream.DisposeAsync();
        _stop.Dispose();
    }

    /// <summary>
    /// Splits the byte stream at '\n'. A 0xFF byte, which UTF-8 never contains, discards the line so far: the guest
    /// agent sends it ahead of a resynchronised reply. Blank lines and JSON that is not an object are dropped.
    /// </summary>
    private async Task ReadLoopAsync()
    {
        var line = new List<byte>();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await _stream.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    break;
                }

                for (var i = 0; i < read; i++)
                {
                    var b = buffer[i];
                    if (b == 0xFF)
                    {
                        line.Clear();
                    }
                    else if (b == (byte)'\n')
                    {
                        if (Parse(Encoding.UTF8.GetString([.. line])) is { } message && _isReply(message))
                        {
                            await _replies.Writer.WriteAsync(message);
                        }

                        line.Clear();
                    }
                    else
                    {
                        line.Add(b);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or SocketException or JsonException)
        {
            // the peer closed, or the conversation broke off, or we are closing
        }
        finally
        {
            _replies.Writer.TryComplete();
        }
    }

    private JsonObject? Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException) when (_skipMalformedLines)
        {
            return null;
        }
    }
}
