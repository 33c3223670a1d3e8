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
    private const long MaxQueuedChars = 16 * 1024 * 1024;

    private readonly Stream _outputStream;
    private readonly Stream _errorStream;
    private readonly SecretRedactor _redactor;
    private readonly BlockingCollection<(bool IsError, string Text)> _queue = [];
    private readonly Thread _thread;
    private long _queuedChars;
    private long _dropped;
    private long _lastWritten = Stopwatch.GetTimestamp();
    private long _lastQueued = Stopwatch.GetTimestamp();
    private volatile bool _outputBroken;
    private volatile bool _errorBroken;
    private int _busy;

    public ConsolePump(Stream output, Stream error, SecretRedactor redactor)
    {
        _outputStream = output;
        _errorStream = error;
        _redactor = redactor;
        _output = new QueuedTextWriter(this, isError: false);
        _errorWriter = new QueuedTextWriter(this, isError: true);
        _thread = new Thread(Pump) { IsBackground = true, Name = "kiln console writer" };
        _thread.Start();
    }

    public static Encoding Encoding { get; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    private readonly QueuedTextWriter _output;
    private readonly QueuedTextWriter _errorWriter;

    public TextWriter Output => _output;

    public TextWriter Error => _errorWriter;

    /// <summary>The process's own standard output and error.</summary>
    public static ConsolePump ForStandardStreams(SecretRedactor redactor) =>
        new(FileDescriptorStream.Open(1), FileDescriptorStream.Open(2), redactor);

    /// <summary>How long nothing was written by anyone: what the stall watchdog watches.</summary>
    public TimeSpan SinceLastOutput => Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastQueued));

    internal void Enqueue(bool isError, string text)
    {
        Interlocked.Exchange(ref _lastQueued, Stopwatch.GetTimestamp());
        if (Interlocked.Add(ref _queuedChars, text.Length) > MaxQueuedChars)
        {
            Interlocked.Add(ref _queuedChars, -text.Length);
            Interlocked.Increment(ref _dropped);
            return;
        }
        try
        {
            _queue.Add((isError, text));
        }
        catch (InvalidOperationException)
        {
            // Written after the host finished: it has nowhere to go.
            Interlocked.Add(ref _queuedChars, -text.Length);
        }
    }

    /// <summary>
    /// Waits until everything queued is written, giving up once nothing could be written for <paramref name="stall"/>
    /// (nobody reads the pipe): exiting matters more than the last lines.
    /// </summary>
    public bool Drain(TimeSpan stall)
    {
        _output.FlushAll();
        _errorWriter.FlushAll();
        while (Interlocked.CompareExchange(ref _queuedChars, 0, 0) > 0 || Volatile.Read(ref _busy) != 0)
        {
            if (Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastWritten)) > stall)
            {
                return false;
            }

            Thread.Sleep(5);
        }
        return true;
    }

    private void Pump()
    {
        foreach (var (isError, text) in _queue.GetConsumingEnumerable())
        {
            Volatile.Write(ref _busy, 1);
            Interlocked.Add(ref _queuedChars, -text.Length);
            Write(isError, _redactor.Redact(text));
            if (Interlocked.Read(ref _dropped) > 0 && Interlocked.Read(ref _queuedChars) < MaxQueuedChars / 2)
            {
                var count = Interlocked.Exchange(ref _dropped, 0);
                Write(isError: true, string.Create(CultureInfo.InvariantCulture, $"[kiln: {count} pieces of output were dropped while nothing read the output]\n"));
            }
            Interlocked.Exchange(ref _lastWritten, Stopwatch.GetTimestamp());
            Volatile.Write(ref _busy, 0);
        }
    }

    private void Write(bool isError, string text)
    {
        if (isError ? _errorBroken : _outputBroken)
        {
            return;
        }

        try
        {
            var stream = isError ? _errorStream : _outputStream;
            stream.Write(Encoding.GetBytes(text));
            stream.Flush();
        }
        catch (IOException)
        {
            // The reader went away (EPIPE); later output has nowhere to go.
            if (isError)
            {
                _errorBroken = true;
            }
            else
            {
                _outputBroken = true;
            }
        }
    }

    public void Dispose()
    {
        // A thread blocked on a pipe nobody reads is a background one: it ends with the process.
        _queue.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(1));
    }
}
