using System.Collections.Concurrent;
using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Plugins;
using Kiln.Secrets;

namespace Kiln.Testing;

/// <summary>In-memory doubles for a build's surroundings, shared by the test projects.</summary>
internal static class TestBuild
{
    /// <summary>Every context's scratch directory lives under one root per test process, removed when the process exits.</summary>
    private static readonly Lazy<string> Root = new(() =>
    {
        var root = Directory.CreateTempSubdirectory("kiln-tests-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Something still writes there; the OS cleans /tmp eventually.
            }
        };
        return root;
    });

    public static BuildContext Context(
        SourceConfig config,
        string type = "test",
        string image = "test-image",
        string source = "local",
        string? workDirectory = null,
        string? outputDirectory = null,
        IReadOnlyList<ResolvedPlugin<ProvisionerConfig>>? provisioners = null,
        IReadOnlyList<ResolvedPlugin<ProvisionerConfig>>? verify = null,
        ILedger? ledger = null,
        IRedactor? redactor = null,
        TestLog? log = null,
        IBuildPlugins? plugins = null)
    {
        var work = workDirectory ?? Directory.CreateDirectory(Path.Combine(Root.Value, Guid.NewGuid().ToString("N")[..12])).FullName;
        var resolvedSource = new ResolvedSource
        {
            Name = source,
            Type = type,
            Config = config,
            Provisioners = provisioners ?? [],
            Verify = verify ?? [],
        };
        return new BuildContext
        {
            RunId = Guid.NewGuid().ToString("N"),
            Image = new ResolvedImage { Name = image, FilePath = Path.Combine(work, "test.kiln.yaml"), Sources = [resolvedSource] },
            Source = resolvedSource,
            OutputDirectory = outputDirectory ?? Path.Combine(work, "output"),
            WorkDirectory = work,
            Log = log ?? new TestLog(),
            Ledger = ledger ?? new MemoryLedger(),
            Progress = new NullProgress(),
            Interaction = new NonInteractive(),
            Redactor = redactor ?? new ListRedactor(),
            Plugins = plugins ?? PluginCatalog.Default,
        };
    }
}

internal sealed class TestLog : IBuildLog
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public string Text => string.Join("\n", Lines);

    public void Info(string message) => Lines.Enqueue($"info: {message}");

    public void Warn(string message) => Lines.Enqueue($"warn: {message}");

    public void Error(string message) => Lines.Enqueue($"error: {message}");

    public void Verbose(string message) => Lines.Enqueue($"verbose: {message}");

    public void Output(string line, bool isError = false) => Lines.Enqueue(isError ? $"stderr: {line}" : $"stdout: {line}");
}

internal sealed class MemoryLedger : ILedger
{
    private readonly ConcurrentDictionary<Guid, LedgerResource> _entries = new();

    public IReadOnlyCollection<LedgerResource> Open => [.. _entries.Values];

    public Task<ILedgerEntry> RecordAsync(LedgerResource resource, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        _entries[id] = resource;
        return Task.FromResult<ILedgerEntry>(new Entry(this, id, resource));
    }

    private sealed class Entry(MemoryLedger ledger, Guid id, LedgerResource resource) : ILedgerEntry
    {
        public LedgerResource Resource { get; private set; } = resource;

        public Task UpdateAsync(LedgerResource updated, CancellationToken cancellationToken)
        {
            Resource = updated;
            ledger._entries[id] = updated;
            return Task.CompletedTask;
        }

        public Task ReleaseAsync(CancellationToken cancellationToken)
        {
            ledger._entries.TryRemove(id, out _);
            return Task.CompletedTask;
        }
    }
}

internal sealed class NullProgress : IProgressSink
{
    public IProgressTask Start(string description, long? total = null) => new Task();

    private sealed class Task : IProgressTask
    {
        public void Advance(long amount)
        {
        }

        public void SetTotal(long total)
        {
        }

        public void Dispose()
        {
        }
    }
}

internal sealed class NonInteractive : IInteraction
{
    public bool IsInteractive => false;

    public System.Threading.Tasks.Task WaitForEnterAsync(string prompt, CancellationToken cancellationToken) =>
        System.Threading.Tasks.Task.CompletedTask;
}

/// <summary>Plain substring masking; the real redactor also covers encodings.</summary>
internal sealed class ListRedactor : IRedactor
{
    private readonly ConcurrentBag<string> _secrets = [];

    public void Add(string secret)
    {
        if (!string.IsNullOrEmpty(secret))
        {
            _secrets.Add(secret);
        }
    }

    public string Redact(string text) =>
        _secrets.Aggregate(text, (current, secret) => current.Replace(secret, "<sensitive>", StringComparison.Ordinal));
}
