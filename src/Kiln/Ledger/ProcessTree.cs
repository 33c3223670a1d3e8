namespace Kiln.Ledger;

/// <summary>
/// Stops a process and everything it started: SIGTERM to the whole tree, a grace period, then SIGKILL to what is left.
/// Every pid is checked against its start time right before it is signalled, so a reused pid is never hit.
/// </summary>
internal static class ProcessTree
{
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(10);

    /// <summary>Returns true when nothing of the tree is left running.</summary>
    public static async Task<bool> StopAsync(ProcessIdentity root, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (!root.IsAlive)
        {
            return true;
        }

        var tree = Collect(root);
        Signal(tree, NativeMethods.SigTerm);
        if (await WaitGoneAsync(tree, grace, cancellationToken))
        {
            return true;
        }

        // Children started during the grace period belong to the tree too.
        tree = [.. tree.Union(tree.Where(p => p.IsAlive).SelectMany(Collect))];
        Signal(tree, NativeMethods.SigKill);
        return await WaitGoneAsync(tree, TimeSpan.FromSeconds(5), cancellationToken);
    }

    /// <summary>The process and its living descendants, found through the parent pids in /proc.</summary>
    public static IReadOnlyList<ProcessIdentity> Collect(ProcessIdentity root)
    {
        var all = ProcStat.All().Where(s => !s.IsZombie).ToList();
        var result = new List<ProcessIdentity> { root };
        var frontier = new Queue<ProcessIdentity>([root]);
        while (frontier.TryDequeue(out var parent))
        {
            // A child cannot have started before its parent; this keeps a reused parent pid from adopting strangers.
            foreach (var child in all.Where(s => s.ParentPid == parent.Pid && s.StartTicks >= parent.StartTicks))
            {
                var identity = new ProcessIdentity(child.Pid, child.StartTicks, root.BootId);
                if (!result.Contains(identity))
                {
                    result.Add(identity);
                    frontier.Enqueue(identity);
                }
            }
        }

        return result;
    }

    private static void Signal(IEnumerable<ProcessIdentity> processes, int signal)
    {
        foreach (var process in processes)
        {
            if (process.IsAlive)
            {
                _ = NativeMethods.Kill(process.Pid, signal);
            }
        }
    }

    private static async Task<bool> WaitGoneAsync(IReadOnlyList<ProcessIdentity> processes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (!processes.Any(p => p.IsAlive))
            {
                return true;
            }

            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }
}
