using System.Text.Json;
using System.Text.Json.Serialization;
using Kiln.Engine;

namespace Kiln.Ledger;

/// <summary>
/// The on-disk shape of one run's ledger: who owns it (so a sweep can tell a live run from a dead one) and what it
/// created. Written whole and atomically on every change (temp file, fsync, rename, directory fsync).
/// </summary>
internal sealed record LedgerFile
{
    public const int CurrentVersion = 1;
    public const string Extension = ".json";
    public const string TempExtension = ".tmp";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public int Version { get; init; } = CurrentVersion;

    public required string RunId { get; init; }

    public required LedgerOwner Owner { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public IReadOnlyList<LedgerRecord> Entries { get; init; } = [];

    public static LedgerFile Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var file = JsonSerializer.Deserialize<LedgerFile>(stream, Options)
            ?? throw new InvalidDataException("empty ledger file");
        if (file.Version != CurrentVersion)
        {
            throw new InvalidDataException($"ledger version {file.Version} is not supported (expected {CurrentVersion})");
        }

        return file;
    }

    /// <summary>Replaces <paramref name="path"/> with this content so that a crash leaves either the old or the new file, never a mix.</summary>
    public void WriteAtomically(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        var temp = $"{path}.{Environment.ProcessId}{TempExtension}";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, this, Options);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        NativeMethods.SyncDirectory(directory);
    }

    public static void Delete(string path)
    {
        File.Delete(path);
        NativeMethods.SyncDirectory(Path.GetDirectoryName(path)!);
    }
}

internal sealed record LedgerOwner(int Pid, long StartTicks, string BootId, string? Host)
{
    public static LedgerOwner Current { get; } = new(
        ProcessIdentity.Current.Pid, ProcessIdentity.Current.StartTicks, ProcessIdentity.Current.BootId, Environment.MachineName);

    public ProcessIdentity Identity => new(Pid, StartTicks, BootId);

    /// <summary>A ledger written on another host (a shared directory) is never judged dead from here.</summary>
    public bool IsAlive => (Host is not null && Host != Environment.MachineName) || Identity.IsAlive;
}

internal sealed record LedgerRecord(string Id, string Kind, string ResourceId, IReadOnlyDictionary<string, string> Data)
{
    public LedgerResource ToResource() => new(Kind, ResourceId, Data);

    public static LedgerRecord From(string id, LedgerResource resource) =>
        new(id, resource.Kind, resource.Id, new Dictionary<string, string>(resource.Data));
}
