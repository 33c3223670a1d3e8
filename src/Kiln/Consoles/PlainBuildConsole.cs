using System.Globalization;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Secrets;

namespace Kiln.Consoles;

/// <summary>
/// Build output for CI and redirected output: one line per event, each prefixed with the build's name (and a UTC
/// timestamp), long work reported as a progress line at most every <see cref="PlainConsoleOptions.ProgressInterval"/>.
/// </summary>
internal sealed class PlainBuildConsole(TextWriter writer, PlainConsoleOptions? options = null) : IBuildConsole
{
    private readonly PlainConsoleOptions _options = options ?? new PlainConsoleOptions();
    private readonly Lock _gate = new();

    public IBuildLog CreateLog(string buildName, IRedactor redactor) => new Log(this, buildName, redactor);

    public IProgressSink CreateProgress(string buildName, IRedactor redactor) => new Progress(this, buildName, redactor);

    public void BuildChanged(string buildName, BuildStatus status, Stage? stage)
    {
        var text = (status, stage) switch
        {
            (BuildStatus.Running, { } s) => $"==> {s.ToString().ToLowerInvariant()}",
            (BuildStatus.Running, null) => "started",
            _ => null, // the summary reports how builds ended
        };
        if (text is not null)
        {
            Write(buildName, text);
        }
    }

    public void SessionLine(string line) => Write(null, line);

    public void Summary(IReadOnlyList<BuildResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0)
        {
            return;
        }

        Write(null, "==> builds:");
        var nameWidth = results.Max(r => r.Name.Length);
        foreach (var result in results)
        {
            var status = StatusText(result.Status);
            var time = result.Status is BuildStatus.Built or BuildStatus.Failed or BuildStatus.Cancelled
                ? _options.FormatDuration(result.Duration)
                : "";
            var reason = result.Note is null ? "" : $"  {result.Note}";
            Write(null, string.Create(CultureInfo.InvariantCulture, $"  {result.Name.PadRight(nameWidth)}  {status,-10}  {time,8}{reason}").TrimEnd());
        }
    }

    internal static string StatusText(BuildStatus status) => status switch
    {
        BuildStatus.UpToDate => "up-to-date",
        _ => status.ToString().ToLowerInvariant(),
    };

    private void Write(string? build, string text)
    {
        var stamp = _options.Timestamps ? _options.Clock.GetUtcNow().ToString("HH:mm:ss ", CultureInfo.InvariantCulture) : "";
        var prefix = build is null ? "" : $"[{build}] ";
        lock (_gate)
        {
            foreach (var line in text.Split('\n'))
            {
                writer.WriteLine($"{stamp}{prefix}{line.TrimEnd('\r')}");
            }

            writer.Flush();
        }
    }

    private sealed class Log(PlainBuildConsole console, string build, IRedactor redactor) : IBuildLog
    {
        public void Info(string message) => console.Write(build, redactor.Redact(message));

        public void Warn(string message) => console.Write(build, "warning: " + redactor.Redact(message));

        public void Error(string message) => console.Write(build, "error: " + redactor.Redact(message));

        public void Verbose(string message)
        {
            if (console._options.Verbose)
            {
                console.Write(build, redactor.Redact(message));
            }
        }

        public void Output(string line, bool isError = false) => console.Write(build, (isError ? "! " : "| ") + redactor.Redact(line));
    }

    private sealed class Progress(PlainBuildConsole console, string build, IRedactor redactor) : IProgressSink
    {
        public IProgressTask Start(string description, long? total = null) =>
            new WorkTask(console, build, redactor.Redact(description), total);
    }

    private sealed class WorkTask : IProgressTask
    {
        private readonly PlainBuildConsole _console;
        private readonly string _build;
        private readonly string _description;
        private readonly DateTimeOffset _started;
        private DateTimeOffset _lastReport;
        private long _done;
        private long? _total;

        public WorkTask(PlainBuildConsole console, string build, string description, long? total)
        {
            _console = console;
            _build = build;
            _description = description;
            _total = total;
            _started = _lastReport = console._options.Clock.GetUtcNow();
            console.Write(build, total is > 0 ? $"{description}: started ({ByteSize.Format(total.Value)})" : $"{description}: started");
        }

        public void Advance(long amount)
        {
            var now = _console._options.Clock.GetUtcNow();
            string? report = null;
            lock (this)
            {
                _done += amount;
                if (now - _lastReport >= _console._options.ProgressInterval)
                {
                    _lastReport = now;
                    report = $"{_description}: {ByteSize.Progress(_done, _total)}";
                }
            }

            if (report is not null)
            {
                _console.Write(_build, report);
            }
        }

        public void SetTotal(long total)
        {
            lock (this)
            {
                _total = total;
            }
        }

        public void Dispose()
        {
            var elapsed = _console._options.Clock.GetUtcNow() - _started;
            _console.Write(_build, $"{_description}: done ({ByteSize.Format(_done)} in {_console._options.FormatDuration(elapsed)})");
        }
    }
}

internal sealed record PlainConsoleOptions
{
    /// <summary>Prefix lines with the UTC time (on CI, where the log viewer may not).</summary>
    public bool Timestamps { get; init; } = true;

    public bool Verbose { get; init; }

    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(10);

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>How durations are printed; tests make it constant so output can be compared.</summary>
    public Func<TimeSpan, string> FormatDuration { get; init; } = Durations.Format;
}
