using System.Runtime.InteropServices;

namespace Kiln.Targets;

/// <summary>
/// Standard output or error written with write(2) itself. .NET's console stream locks <see cref="Console.Out"/> while
/// it writes, so a writer holding any other console lock could deadlock with it; a FileStream would use pwrite and
/// overwrite what a child process or the other stream wrote to the same redirected file.
/// </summary>
internal sealed class FileDescriptorStream(int descriptor) : Stream
{
    private const int Interrupted = 4; // EINTR
    private const int WouldBlock = 11; // EAGAIN: a parent left the descriptor non-blocking

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>The descriptor itself on Unix; elsewhere the runtime's stream, which has no such lock.</summary>
    public static Stream Open(int descriptor) =>
        OperatingSystem.IsWindows()
            ? descriptor == 2 ? Console.OpenStandardError() : Console.OpenStandardOutput()
            : new FileDescriptorStream(descriptor);

    public override void Write(byte[] buffer, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        while (count > 0)
        {
            var written = WriteSome(descriptor, buffer, offset, count);
            if (written < 0)
            {
                var error = Marshal.GetLastPInvokeError();
                if (error == Interrupted)
                {
                    continue;
                }

                if (error == WouldBlock)
                {
                    Thread.Sleep(10);
                    continue;
                }
                throw new IOException($"write to descriptor {descriptor} failed (errno {error})");
            }
            offset += (int)written;
            count -= (int)written;
        }
    }

    // A partial write (rare: a signal, a nearly full pipe) copies the rest rather than pinning into the array.
    private static nint WriteSome(int descriptor, byte[] buffer, int offset, int count) =>
        NativeWrite(descriptor, offset == 0 ? buffer : buffer[offset..(offset + count)], count);

    [DllImport("libc", EntryPoint = "write", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint NativeWrite(int descriptor, byte[] buffer, nint count);

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
