using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Kiln.Diagnostics;
using Kiln.Engine;

namespace Kiln.Builders.Qemu;

/// <summary>
/// Fetches a base image into the cache, keyed by its checksum. An interrupted download is resumed with an HTTP Range
/// request when the server allows it; the digest is checked over the whole file before it enters the cache.
/// </summary>
internal sealed class ImageDownloader(BuildContext context, ImageCache cache, HttpMessageHandler? handler = null, string area = "images")
{
    public async Task<string> GetAsync(Uri url, ImageChecksum checksum, CancellationToken cancellationToken)
    {
        var path = cache.PathFor(area, $"sha256-{checksum.Sha256}{ImageExtension(url)}");
        if (File.Exists(path))
        {
            context.Log.Info($"using the cached image {path}");
            return path;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using var entryLock = await ImageCache.LockAsync(path + ".lock", cancellationToken);
        if (File.Exists(path))
        {
            return path;
        }

        // Stable name, so the next attempt resumes it; the lock keeps it to one writer.
        var partial = path + ".download";
        using var client = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        client.Timeout = Timeout.InfiniteTimeSpan;
        await DownloadAsync(client, url, partial, cancellationToken);

        var actual = await HashAsync(partial, cancellationToken);
        if (actual != checksum.Sha256)
        {
            File.Delete(partial);
            throw new KilnException(
                $"the image downloaded from {url} has sha256 {actual}, not the expected {checksum.Sha256}",
                "check the checksum in the definition, or whether the file at the URL changed");
        }

        File.Move(partial, path);
        return path;
    }

    public static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    private async Task DownloadAsync(HttpClient client, Uri url, string partial, CancellationToken cancellationToken)
    {
        var existing = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (existing > 0)
        {
            request.Headers.Range = new RangeHeaderValue(existing, null);
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (existing > 0 && response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            return; // the partial file is already whole; the digest decides
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new KilnException($"downloading {url} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}", "check the URL and that this machine can reach it");
        }

        var resumed = existing > 0 && response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == existing;
        if (existing > 0)
        {
            context.Log.Info(resumed ? $"resuming the download of {url} at {DiskSize.Format(existing)}" : $"the server does not resume downloads; fetching {url} again");
        }

        var total = response.Content.Headers.ContentLength is { } length ? length + (resumed ? existing : 0) : (long?)null;
        using var progress = context.Progress.Start($"download {Path.GetFileName(url.LocalPath)}", total);
        if (resumed)
        {
            progress.Advance(existing);
        }

        await using var source = await response.Content.ReadAsStreamAsync(cancellationToken);
        await using var target = new FileStream(partial, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true);
        var buffer = new byte[1 << 20];
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            progress.Advance(read);
        }
    }

    private static string ImageExtension(Uri url)
    {
        var extension = Path.GetExtension(url.LocalPath);
        return extension.Length is > 1 and <= 8 && extension[1..].All(char.IsAsciiLetterOrDigit) ? extension : ".img";
    }
}
