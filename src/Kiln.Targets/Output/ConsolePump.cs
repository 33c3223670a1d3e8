using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Kiln.Targets;

/// <summary>
/// The one writer of the process's standard output and error. Everything else (Spectre, <see cref="Console.Out"/>,
/// the build consoles, signal handlers) queues text through a <see cref="QueuedTextWriter"/>, which never waits for the
/// terminal; this thread alone writes, redacting once. So no writer holds a lock another writer waits on, and a full
/// pipe stalls only this thread, never a target, a cleanup or Ctrl-C.
/// </summary>
internal sealed class ConsolePump : IDisposable
{
    /// <summary>Beyond this much queued text (a reader that stopped reading) lines are dropped and counted, not kept.</summary>
    const long MaxQueuedChars = 16 * 1024 * 1024;

    readonly Stream outputStream;
    readonly Stream errorStream;
    readonly SecretRedactor redactor;
    readonly BlockingCollection<(bool IsError, string Text)> queue = [];
    readonly Thread thread;
    long queuedChars;
    long dropped;
    long lastWritten = Stopwatch.GetTimestamp();
    long lastQueued = Stopwatch.GetTimestamp();
    volatile bool outputBroken;
    volatile bool errorBroken;
    int busy;

    public ConsolePump(Stream output, Stream error, SecretRedactor redactor)
    {
        outputStream = output;
        errorStream = error;
        this.redactor = redactor;
        this.output = new QueuedTextWriter(this, isError: false);
        errorWriter = new QueuedTextWriter(this, isError: true);
        thread = new Thread(Pump) { IsBackground = true, Name = "kiln console writer" };
        thread.Start();
    }

    public static Encoding Encoding { get; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    readonly QueuedTextWriter output;
    readonly QueuedTextWriter errorWriter;

    public TextWriter Output => output;

    public TextWriter Error => errorWriter;

    /// <summary>The process's own standard output and error.</summary>
    public static ConsolePump ForStandardStreams(SecretRedactor redactor) =>
        new(FileDescriptorStream.Open(1), FileDescriptorStream.Open(2), redactor);

    /// <summary>How long nothing was written by anyone: what the stall watchdog watches.</summary>
    public TimeSpan SinceLastOutput => Stopwatch.GetElapsedTime(Interlocked.Read(ref lastQueued));

    internal void Enqueue(bool isError, string text)
    {
        Interlocked.Exchange(ref lastQueued, Stopwatch.GetTimestamp());
        if (Interlocked.Add(ref queuedChars, text.Length) > MaxQueuedChars)
        {
            Interlocked.Add(ref queuedChars, -text.Length);
            Interlocked.Increment(ref dropped);
            return;
        }
        try
        {
            queue.Add((isError, text));
        }
        catch (InvalidOperationException)
        {
            // Written after the host finished: it has nowhere to go.
            Interlocked.Add(ref queuedChars, -text.Length);
        }
    }

    /// <summary>
    /// Waits until everything queued is written, giving up once nothing could be written for <paramref name="stall"/>
    /// (nobody reads the pipe): exiting matters more than the last lines.
    /// </summary>
    public bool Drain(TimeSpan stall)
    {
        output.FlushAll();
        errorWriter.FlushAll();
        while (Interlocked.CompareExchange(ref queuedChars, 0, 0) > 0 || Volatile.Read(ref busy) != 0)
        {
            if (Stopwatch.GetElapsedTime(Interlocked.Read(ref lastWritten)) > stall)
                return false;
            Thread.Sleep(5);
        }
        return true;
    }

    void Pump()
    {
        foreach (var (isError, text) in queue.GetConsumingEnumerable())
        {
            Volatile.Write(ref busy, 1);
            Interlocked.Add(ref queuedChars, -text.Length);
            Write(isError, redactor.Redact(text));
            if (Interlocked.Read(ref dropped) > 0 && Interlocked.Read(ref queuedChars) < MaxQueuedChars / 2)
            {
                var count = Interlocked.Exchange(ref dropped, 0);
                Write(isError: true, string.Create(CultureInfo.InvariantCulture, $"[kiln: {count} pieces of output were dropped while nothing read the output]\n"));
            }
            Interlocked.Exchange(ref lastWritten, Stopwatch.GetTimestamp());
            Volatile.Write(ref busy, 0);
        }
    }

    void Write(bool isError, string text)
    {
        if (isError ? errorBroken : outputBroken)
            return;
        try
        {
            var stream = isError ? errorStream : outputStream;
            stream.Write(Encoding.GetBytes(text));
            stream.Flush();
        }
        catch (IOException)
        {
            // The reader went away (EPIPE); later output has nowhere to go.
            if (isError)
                errorBroken = true;
            else
                outputBroken = true;
        }
    }

    public void Dispose()
    {
        // A thread blocked on a pipe nobody reads is a background one: it ends with the process.
        queue.CompleteAdding();
        thread.Join(TimeSpan.FromSeconds(1));
    }
}
