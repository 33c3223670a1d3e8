using System.Net;
using System.Security.Cryptography;
using Kiln.Builders.Qemu;
using Kiln.Diagnostics;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>Base image downloads against a real HTTP server on 127.0.0.1 that honours Range requests.</summary>
public sealed class ImageDownloadTests : IAsyncDisposable
{
    private readonly byte[] _image = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 123);
    private readonly HttpListener _listener = new();
    private readonly List<string?> _ranges = [];
    private readonly string _cache = Directory.CreateTempSubdirectory("kiln-download-cache-").FullName;
    private readonly Task _server;
    private readonly int _port;

    public ImageDownloadTests()
    {
        for (var attempt = 0; ; attempt++)
        {
            _port = Random.Shared.Next(20000, 60000);
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add($"http://127.0.0.1:{_port}/");
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 20)
            {
            }
        }

        _server = Task.Run(ServeAsync);
    }

    private Uri Url => new($"http://127.0.0.1:{_port}/images/base.qcow2");

    private ImageChecksum Checksum => new(Convert.ToHexStringLower(SHA256.HashData(_image)));

    [Fact]
    public async Task Downloads_into_the_cache_by_checksum_and_reuses_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var context = TestBuild.Context(new QemuSourceConfig { Base = new QemuBaseConfig { Image = Url.ToString() } });
        var downloader = new ImageDownloader(context, new ImageCache(_cache));

        var path = await downloader.GetAsync(Url, Checksum, ct);
        Assert.Equal(Path.Combine(_cache, "images", $"sha256-{Checksum.Sha256}.qcow2"), path);
        Assert.Equal(_image, await File.ReadAllBytesAsync(path, ct));

        Assert.Equal(path, await downloader.GetAsync(Url, Checksum, ct));
        Assert.Single(_ranges);
    }

    [Fact]
    public async Task Resumes_an_interrupted_download_with_a_range_request()
    {
        var ct = TestContext.Current.CancellationToken;
        var context = TestBuild.Context(new QemuSourceConfig { Base = new QemuBaseConfig { Image = Url.ToString() } });
        var partial = Path.Combine(_cache, "images", $"sha256-{Checksum.Sha256}.qcow2.download");
        Directory.CreateDirectory(Path.GetDirectoryName(partial)!);
        await File.WriteAllBytesAsync(partial, _image.AsMemory(0, 1_000_000).ToArray(), ct);

        var path = await new ImageDownloader(context, new ImageCache(_cache)).GetAsync(Url, Checksum, ct);

        Assert.Equal("bytes=1000000-", Assert.Single(_ranges));
        Assert.Equal(_image, await File.ReadAllBytesAsync(path, ct));
        Assert.False(File.Exists(partial));
    }

    [Fact]
    public async Task A_checksum_mismatch_fails_and_keeps_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var context = TestBuild.Context(new QemuSourceConfig { Base = new QemuBaseConfig { Image = Url.ToString() } });
        var wrong = new ImageChecksum(new string('0', 64));

        var error = await Assert.ThrowsAsync<KilnException>(() => new ImageDownloader(context, new ImageCache(_cache)).GetAsync(Url, wrong, ct));

        Assert.Contains("not the expected", error.Message, StringComparison.Ordinal);
        // Only the (empty) lock file stays: neither the image nor its partial download.
        Assert.DoesNotContain(Directory.EnumerateFiles(Path.Combine(_cache, "images")), f => !f.EndsWith(".lock", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _server.ContinueWith(_ => { }, TaskScheduler.Default);
        Directory.Delete(_cache, recursive: true);
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext request;
            try
            {
                request = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var range = request.Request.Headers["Range"];
            lock (_ranges)
            {
                _ranges.Add(range);
            }

            var start = 0;
            if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
            {
                start = int.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
                request.Response.StatusCode = 206;
                request.Response.Headers["Content-Range"] = $"bytes {start}-{_image.Length - 1}/{_image.Length}";
            }

            request.Response.ContentLength64 = _image.Length - start;
            await request.Response.OutputStream.WriteAsync(_image.AsMemory(start));
            request.Response.Close();
        }
    }
}
