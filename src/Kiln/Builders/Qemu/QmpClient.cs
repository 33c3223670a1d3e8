using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Kiln.Diagnostics;

namespace Kiln.Builders.Qemu;

/// <summary>
/// QEMU Machine Protocol over a unix socket: JSON objects one per line. Commands are answered in order with
/// "return" or "error"; events ("SHUTDOWN", "POWERDOWN") arrive in between and are kept for whoever waits for them.
/// </summary>
internal sealed class QmpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly StreamReader _reader;
    private readonly Stream _stream;
    private readonly SemaphoreSlim _commandLock = new(1, 1);
    private readonly Channel<JsonObject> _replies = Channel.CreateUnbounded<JsonObject>();
    private readonly List<string> _events = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _readLoop;
    private TaskCompletionSource _eventSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private QmpClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _reader = new StreamReader(_stream, Encoding.UTF8);
        _readLoop = Task.Run(ReadLoopAsync);
    }

    /// <summary>Connects, reads the greeting and leaves capabilities negotiation mode.</summary>
    public static async Task<QmpClient> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var client = new QmpClient(socket);
        try
        {
            await client.ExecuteAsync("qmp_capabilities", cancellationToken);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    public bool Closed => _readLoop.IsCompleted;

    public async Task<JsonNode?> ExecuteAsync(string command, CancellationToken cancellationToken, JsonObject? arguments = null)
    {
        await _commandLock.WaitAsync(cancellationToken);
        try
        {
            var request = new JsonObject { ["execute"] = command };
            if (arguments is not null)
            {
                request["arguments"] = arguments;
            }

            var bytes = Encoding.UTF8.GetBytes(request.ToJsonString() + "\n");
            await _stream.WriteAsync(bytes, cancellationToken);
            await _stream.FlushAsync(cancellationToken);
            JsonObject reply;
            try
            {
                reply = await _replies.Reader.ReadAsync(cancellationToken);
            }
            catch (ChannelClosedException)
            {
                throw new IOException($"QEMU closed its QMP socket before answering '{command}'");
            }

            if (reply["error"] is JsonObject error)
            {
                throw new KilnException($"QMP command '{command}' failed: {error["desc"]}");
            }

            return reply["return"];
        }
        finally
        {
            _commandLock.Release();
        }
    }

    /// <summary>Waits until QEMU reports <paramref name="eventName"/> (also if it was reported before the call).</summary>
    public async Task WaitForEventAsync(string eventName, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task signal;
            lock (_events)
            {
                if (_events.Contains(eventName))
                {
                    return;
                }

                if (_readLoop.IsCompleted)
                {
                    throw new IOException($"QEMU closed its QMP socket before the {eventName} event");
                }

                signal = _eventSignal.Task;
            }

            await signal.WaitAsync(cancellationToken);
        }
    }

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

        _reader.Dispose();
        await _stream.DisposeAsync();
        _commandLock.Dispose();
        _stop.Dispose();
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (await _reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (string.IsNullOrWhiteSpace(line) || JsonNode.Parse(line) is not JsonObject message)
                {
                    continue;
                }

                if (message["event"] is JsonValue name)
                {
                    lock (_events)
                    {
                        _events.Add(name.GetValue<string>());
                        var signal = _eventSignal;
                        _eventSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        signal.SetResult();
                    }
                }
                else if (message.ContainsKey("return") || message.ContainsKey("error"))
                {
                    await _replies.Writer.WriteAsync(message);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or SocketException or JsonException)
        {
            // QEMU exited or we are closing: both end the conversation
        }
        finally
        {
            _replies.Writer.TryComplete();
            lock (_events)
            {
                _eventSignal.TrySetResult();
            }
        }
    }
}
