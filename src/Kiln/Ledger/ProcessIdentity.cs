using System.Diagnostics;
using System.Globalization;

namespace Kiln.Ledger;

/// <summary>
/// A process as the kernel knows it: its pid, when it started (clock ticks after boot, from /proc) and which boot that
/// was. Pids are reused; pid plus start time plus boot id is not, so a ledger never mistakes a stranger for its owner.
/// </summary>
internal sealed record ProcessIdentity(int Pid, long StartTicks, string BootId)
{
    private static readonly Lazy<string> CurrentBootId = new(ReadBootId);

    public static ProcessIdentity Current { get; } = Of(Environment.ProcessId)
        ?? throw new InvalidOperationException("cannot read this process's own start time");

    /// <summary>The identity of the live (non-zombie) process <paramref name="pid"/>, or null when there is none.</summary>
    public static ProcessIdentity? Of(int pid) =>
        ProcStat.Read(pid) is { IsZombie: false } stat ? new ProcessIdentity(pid, stat.StartTicks, CurrentBootId.Value) : null;

    public static ProcessIdentity? Of(Process process) => Of(process.Id);

    /// <summary>True while this exact process still runs (not a zombie, not a later process with the same pid).</summary>
    public bool IsAlive => Of(Pid) == this;

    public IReadOnlyDictionary<string, string> ToData() => new Dictionary<string, string>
    {
        ["pid"] = Pid.ToString(CultureInfo.InvariantCulture),
        ["start_ticks"] = StartTicks.ToString(CultureInfo.InvariantCulture),
        ["boot_id"] = BootId,
    };

    public static ProcessIdentity? FromData(IReadOnlyDictionary<string, string> data) =>
        data.TryGetValue("pid", out var pid) && int.TryParse(pid, CultureInfo.InvariantCulture, out var p)
        && data.TryGetValue("start_ticks", out var ticks) && long.TryParse(ticks, CultureInfo.InvariantCulture, out var t)
        && data.TryGetValue("boot_id", out var boot)
            ? new ProcessIdentity(p, t, boot)
            : null;

    private static string ReadBootId()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }
}

/// <summary>The fields of /proc/&lt;pid&gt;/stat the engine needs.</summary>
internal sealed record ProcStat(int Pid, char State, int ParentPid, int ProcessGroup, long StartTicks)
{
    public bool IsZombie => State is 'Z' or 'X';

    public static ProcStat? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return Parse(pid, text);
    }

    public static ProcStat? Parse(int pid, string text)
    {
        // The command name (field 2) is in parentheses and may itself hold spaces or parentheses.
        var close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        var fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state); start time is field 22.
        if (fields.Length < 20
            || !int.TryParse(fields[1], CultureInfo.InvariantCulture, out var ppid)
            || !int.TryParse(fields[2], CultureInfo.InvariantCulture, out var pgrp)
            || !long.TryParse(fields[19], CultureInfo.InvariantCulture, out var start))
        {
            return null;
        }

        return new ProcStat(pid, fields[0][0], ppid, pgrp, start);
    }

    public static IEnumerable<ProcStat> All()
    {
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateDirectories("/proc");
        }
        catch (IOException)
        {
            yield break;
        }

        foreach (var dir in entries)
        {
            if (int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid) && Read(pid) is { } stat)
            {
                yield return stat;
            }
        }
    }
}
