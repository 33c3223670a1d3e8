using System.Collections.Concurrent;
using System.Diagnostics;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Secrets;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Kiln.Consoles;

/// <summary>
/// Build output on a terminal: log lines scroll above a live Spectre.Console view holding one row per build (status,
/// stage, step, time) with a bar for each long piece of work. It is also the terminal's <see cref="IInteraction"/>: a
/// prompt pauses the live view so the question and the answer are not drawn over.
/// </summary>
internal sealed class LiveBuildConsole : IBuildConsole, IInteraction, IAsyncDisposable
{
    private const int BarWidth = 24;

    private readonly IAnsiConsole _console;
    private readonly ConcurrentDictionary<string, BuildView> _builds = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly Lock _writeGate = new();
    private readonly SemaphoreSlim _promptGate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeSpan _refresh;
    private TaskCompletionSource? _paused;
    private TaskCompletionSource? _resume;
    private Task? _loop;

    public LiveBuildConsole(IAnsiConsole console, TimeSpan? refresh = null)
    {
        _console = console;
        _refresh = refresh ?? TimeSpan.FromMilliseconds(150);
    }

    public bool IsInteractive => _console.Profile.Capabilities.Interactive;

    public IBuildLog CreateLog(string buildName, IRedactor redactor)
    {
        Track(buildName);
        return new Log(this, buildName, redactor);
    }

    public IProgressSink CreateProgress(string buildName, IRedactor redactor) => new Progress(Track(buildName), redactor);

    public void BuildChanged(string buildName, BuildStatus status, Stage? stage)
    {
        var view = Track(buildName);
        view.Status = status;
        if (stage is not null)
        {
            view.Stage = stage;
            view.Step = null;
        }

        if (status == BuildStatus.Running)
        {
            view.Clock.Start();
            EnsureRunning();
        }
        else if (status is not BuildStatus.Pending)
        {
            view.Clock.Stop();
        }
    }

    public void SessionLine(string line) => WriteLine(new Text(line));

    public void Summary(IReadOnlyList<BuildResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        StopLive();
        var table = new Table().Border(TableBorder.Simple).AddColumns("build", "status", "time", "");
        foreach (var result in results)
        {
            table.AddRow(
                new Text(result.Name),
                new Markup($"[{Colour(result.Status)}]{PlainBuildConsole.StatusText(result.Status)}[/]"),
                new Text(result.Status is BuildStatus.Built or BuildStatus.Failed or BuildStatus.Cancelled ? Durations.Format(result.Duration) : ""),
                new Text(result.Note ?? ""));
        }

        lock (_writeGate)
        {
            _console.Write(table);
        }
    }

    public async Task WaitForEnterAsync(string prompt, CancellationToken cancellationToken)
    {
        await _promptGate.WaitAsync(cancellationToken);
        try
        {
            await PauseAsync();
            lock (_writeGate)
            {
                _console.MarkupLine($"[yellow]{Markup.Escape(prompt)}[/]");
            }

            while (await _console.Input.ReadKeyAsync(intercept: true, cancellationToken) is { } key && key.Key != ConsoleKey.Enter)
            {
            }
        }
        finally
        {
            Resume();
            _promptGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        StopLive();
        if (_loop is not null)
        {
            await _loop;
        }

        _stop.Dispose();
        _promptGate.Dispose();
    }

    /// <summary>What the live view shows now; rendered on every refresh.</summary>
    internal IRenderable Render()
    {
        var table = new Table().Border(TableBorder.None).HideHeaders().AddColumns("build", "status", "where", "time");
        string[] names;
        lock (_order)
        {
            names = [.. _order];
        }

        foreach (var name in names)
        {
            var view = _builds[name];
            var where = view.Stage is null ? "" : view.Step is null ? Lower(view.Stage.Value) : $"{Lower(view.Stage.Value)}: {view.Step}";
            table.AddRow(
                new Text(name, new Style(decoration: Decoration.Bold)),
                new Markup($"[{Colour(view.Status)}]{PlainBuildConsole.StatusText(view.Status)}[/]"),
                new Text(where),
                new Text(view.Clock.Elapsed > TimeSpan.Zero ? Durations.Format(view.Clock.Elapsed) : ""));
            foreach (var work in view.Work.Values)
            {
                table.AddRow(new Text(""), new Text(Bar(work.Done, work.Total)), new Text(work.Description), new Text(ByteSize.Progress(work.Done, work.Total)));
            }
        }

        return table;
    }

    private static string Bar(long done, long? total)
    {
        if (total is not { } t || t <= 0)
        {
            return new string('·', BarWidth);
        }

        var filled = (int)Math.Clamp(done * BarWidth / t, 0, BarWidth);
        return new string('━', filled) + new string('─', BarWidth - filled);
    }

    private static string Lower(Stage stage) => stage.ToString().ToLowerInvariant();

    private static string Colour(BuildStatus status) => status switch
    {
        BuildStatus.Built or BuildStatus.UpToDate => "green",
        BuildStatus.Failed => "red",
        BuildStatus.Cancelled or BuildStatus.Skipped => "yellow",
        BuildStatus.Running => "blue",
        _ => "grey",
    };

    private BuildView Track(string name) => _builds.GetOrAdd(name, n =>
    {
        lock (_order)
        {
            _order.Add(n);
        }

        return new BuildView();
    });

    private void WriteLine(IRenderable line)
    {
        // Written through the same console as the live view, which redraws itself below the new line.
        lock (_writeGate)
        {
            _console.Write(line);
            _console.WriteLine();
        }
    }

    private void EnsureRunning()
    {
        lock (_writeGate)
        {
            if (_loop is null && !_stop.IsCancellationRequested)
            {
                _loop = Task.Run(LoopAsync);
            }
        }
    }

    private void StopLive()
    {
        if (!_stop.IsCancellationRequested)
        {
            _stop.Cancel();
        }

        _loop?.Wait();
    }

    private async Task PauseAsync()
    {
        TaskCompletionSource paused;
        lock (_writeGate)
        {
            if (_loop is null || _loop.IsCompleted)
            {
                _resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return;
            }

            paused = _paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        await paused.Task;
    }

    private void Resume() => _resume?.TrySetResult();

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            await _console.Live(Render()).AutoClear(true).StartAsync(async context =>
            {
                while (!_stop.IsCancellationRequested && _paused is null)
                {
                    context.UpdateTarget(Render());
                    context.Refresh();
                    try
                    {
                        await Task.Delay(_refresh, _stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            });

            if (_paused is { } paused && _resume is { } resume)
            {
                paused.TrySetResult();
                await resume.Task;
                _paused = null;
            }
        }
    }

    private sealed class BuildView
    {
        public BuildStatus Status { get; set; } = BuildStatus.Pending;

        public Stage? Stage { get; set; }

        public string? Step { get; set; }

        public Stopwatch Clock { get; } = new();

        public ConcurrentDictionary<int, WorkView> Work { get; } = new();
    }

    private sealed class WorkView(string description, long? total)
    {
        public string Description { get; } = description;

        public long Done;

        public long? Total { get; set; } = total;
    }

    private sealed class Log(LiveBuildConsole console, string build, IRedactor redactor) : IBuildLog
    {
        public void Info(string message) => Write("", message, Style.Plain);

        public void Warn(string message) => Write("warning: ", message, new Style(Color.Yellow));

        public void Error(string message) => Write("error: ", message, new Style(Color.Red));

        public void Verbose(string message)
        {
        }

        public void Output(string line, bool isError = false) => Write(isError ? "! " : "| ", line, new Style(Color.Grey));

        private void Write(string level, string message, Style style)
        {
            foreach (var line in redactor.Redact(message).Split('\n'))
            {
                var text = new Paragraph();
                text.Append($"[{build}] ", new Style(Color.Blue));
                text.Append(level + line.TrimEnd('\r'), style);
                console.WriteLine(text);
            }
        }
    }

    private sealed class Progress(BuildView view, IRedactor redactor) : IProgressSink
    {
        private int _next;

        public IProgressTask Start(string description, long? total = null)
        {
            var id = Interlocked.Increment(ref _next);
            var work = new WorkView(redactor.Redact(description), total);
            view.Work[id] = work;
            return new WorkTask(view, id, work);
        }

        public void StepStarted(string step, Stage stage)
        {
            view.Stage = stage;
            view.Step = step;
        }
    }

    private sealed class WorkTask(BuildView view, int id, WorkView work) : IProgressTask
    {
        public void Advance(long amount) => Interlocked.Add(ref work.Done, amount);

        public void SetTotal(long total) => work.Total = total;

        public void Dispose() => view.Work.TryRemove(id, out _);
    }
}
