using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Kiln.Engine;

namespace Kiln.Builders.Qemu.Install;

/// <summary>
/// The build's HTTP server for installers (Packer's http_directory): GET and HEAD of static files on 127.0.0.1 at a
/// free port, which the guest reaches through QEMU's user network as 10.0.2.2. HTTP/1.0 with one request per
/// connection is all an installer's wget needs. Every request is logged and kept in <see cref="Requests"/>.
/// </summary>
internal sealed class InstallerHttpServer : IAsyncDisposable
{
    /// <summary>The host as a guest on QEMU's user-mode network sees it.</summary>
    public const string GuestVisibleIp = "10.0.2.2";

    private readonly TcpListener _listener;
    private readonly HttpFiles _files;
    private readonly IBuildLog _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly List<string> _requests = [];

    private InstallerHttpServer(TcpListener listener, HttpFiles files, IBuildLog log)
    {
        _listener = listener;
        _files = files;
        _log = log;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>"GET /preseed.cfg 200" lines, in the order the requests came.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public static InstallerHttpServer Start(HttpFiles files, IBuildLog log)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new InstallerHttpServer(listener, files, log);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // stopped
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(TimeSpan.FromMinutes(10));
        try
        {
            var stream = client.GetStream();
            var head = await ReadHeadAsync(stream, timeout.Token);
            var requestLine = head.Split("\r\n", 2)[0].Split(' ');
            if (requestLine.Length < 2)
            {
                await RespondAsync(stream, 400, "Bad Request", "text/plain", Encoding.ASCII.GetBytes("bad request\n"), true, timeout.Token);
                return;
            }

            var (method, path) = (requestLine[0], requestLine[1]);
            if (method is not ("GET" or "HEAD"))
            {
                Record(method, path, 405);
                await RespondAsync(stream, 405, "Method Not Allowed", "text/plain", [], true, timeout.Token);
                return;
            }

            var (content, file) = _files.Find(path);
            if (content is null && file is null)
            {
                Record(method, path, 404);
                await RespondAsync(stream, 404, "Not Found", "text/plain", Encoding.ASCII.GetBytes("not found\n"), method == "GET", timeout.Token);
                return;
            }

            Record(method, path, 200);
            if (content is not null)
            {
                var text = BootCommand.Expand(content, GuestVisibleIp, Port);
                await RespondAsync(stream, 200, "OK", "text/plain", Encoding.UTF8.GetBytes(text), method == "GET", timeout.Token);
                return;
            }

            await using var source = new FileStream(file!, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            await WriteHeaderAsync(stream, 200, "OK", "application/octet-stream", source.Length, timeout.Token);
            if (method == "GET")
            {
                await source.CopyToAsync(stream, 1 << 16, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // the guest went away mid-request; it retries or the build times out
        }
    }

    private void Record(string method, string path, int status)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"{method} {path} {status}");
        lock (_requests)
        {
            _requests.Add(line);
        }

        _log.Info($"http: {line}");
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        var buffer = new byte[1];
        while (head.Length < 16384)
        {
            if (await stream.ReadAsync(buffer, cancellationToken) == 0)
            {
                break;
            }

            head.Append((char)buffer[0]);
            if (head.Length >= 4 && head[^1] == '\n' && head.ToString(head.Length - 4, 4) == "\r\n\r\n")
            {
                break;
            }

            if (head.Length >= 2 && head.ToString(head.Length - 2, 2) == "\n\n")
            {
                break;
            }
        }

        return head.ToString();
    }

    private static async Task RespondAsync(NetworkStream stream, int status, string reason, string type, byte[] body, bool withBody, CancellationToken cancellationToken)
    {
        await WriteHeaderAsync(stream, status, reason, type, body.Length, cancellationToken);
        if (withBody)
        {
            await stream.WriteAsync(body, cancellationToken);
        }
    }

    private static async Task WriteHeaderAsync(NetworkStream stream, int status, string reason, string type, long length, CancellationToken cancellationToken)
    {
        var header = string.Create(CultureInfo.InvariantCulture, $"HTTP/1.0 {status} {reason}\r\nContent-Type: {type}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(header), cancellationToken);
    }
}
