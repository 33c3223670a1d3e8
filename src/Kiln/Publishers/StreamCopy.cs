using Kiln.Engine;

namespace Kiln.Publishers;

/// <summary>Large-buffer copies and reads that report progress; memory stays constant whatever the file size.</summary>
internal static class StreamCopy
{
    public const int BufferSize = 1 << 20;

    public static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);

    public static async Task CopyAsync(Stream source, Stream destination, IProgressTask progress, CancellationToken cancellationToken)
    {
        var buffer = new byte[BufferSize];
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            progress.Advance(read);
        }
    }
}
