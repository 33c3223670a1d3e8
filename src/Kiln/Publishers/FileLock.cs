using System.Diagnostics;
using Kiln.Diagnostics;

namespace Kiln.Publishers;

/// <summary>
/// An exclusive lock between threads and processes: a lock file opened with FileShare.None, which .NET maps to
/// flock(2) on Unix and a share mode on Windows. The file stays in place; deleting it on release would let two
/// writers each lock a different inode.
/// </summary>
internal sealed class FileLock : IDisposable
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(250);

    private readonly FileStream _stream;

    private FileLock(FileStream stream) => _stream = stream;

    public static async Task<FileLock> AcquireAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var waited = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(5);
        while (true)
        {
            try
            {
                return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (waited.Elapsed < timeout)
            {
                // Jitter keeps many waiters from retrying in lockstep.
                await Task.Delay(delay + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 10)), cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
            catch (IOException ex)
            {
                throw new KilnException(
                    $"could not lock {path} within {timeout}: another build is still writing it",
                    "if no other Kiln build is running, raise lock_timeout or check the file system supports locks",
                    ex);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
