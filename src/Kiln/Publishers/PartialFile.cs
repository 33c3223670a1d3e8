using Kiln.Engine;
using Kiln.Ledger;

namespace Kiln.Publishers;

/// <summary>
/// Writes a file so that it appears whole or not at all: the bytes go to a hidden sibling first, recorded in the
/// ledger (kind "file") so a crashed run's leftovers can be swept, then a rename puts them in place.
/// </summary>
internal static class PartialFile
{
    public static async Task WriteAsync(
        string path, ILedger ledger, Func<FileStream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.partial");
        var entry = await ledger.RecordAsync(new LedgerResource(FileSweeper.ResourceKind, temporary), cancellationToken);
        try
        {
            await using (var stream = new FileStream(
                temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 0, FileOptions.Asynchronous))
            {
                await write(stream, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
            await entry.ReleaseAsync(CancellationToken.None);
        }
    }
}
