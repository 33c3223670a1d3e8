using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Kiln.Builders.Qemu.Steps;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Ledger;

namespace Kiln.Builders.Qemu.Layers;

/// <summary>
/// Saving a booted machine (of a base, or as it is after a cached provisioning step) and resuming builds from it. What
/// a resume changes is set right through the QEMU guest agent before anyone logs in: this build's key joins
/// authorized_keys (the saving build's key was removed and checked gone before the save, and keys the image itself
/// holds stay, as in a cold boot), the clock is stepped to the host's, and host randomness is written into
/// /dev/urandom (the VM generation ID device also makes the kernel reseed). SSH comes through a new forwarded port, as
/// QEMU starts fresh. SSH host keys are the saved machine's while the build runs; the clean step removes them from the
/// image as always.
/// </summary>
internal static class WarmBoot
{
    private static readonly TimeSpan AgentTimeout = TimeSpan.FromMinutes(1);

    /// <summary>The agent starts with the guest's devices, before sshd answers; a base without one costs this, once.</summary>
    private static readonly TimeSpan SaveAgentTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ClockTolerance = TimeSpan.FromSeconds(5);

    /// <summary>Resumes the saved machine; false (after one warning line) when it cannot be, and the caller boots cold.</summary>
    public static async Task<bool> TryResumeAsync(QemuBuildState state, QemuMachineOptions options, string serialLog, CancellationToken cancellationToken)
    {
        var plan = state.Warm!;
        var saved = plan.Saved!;
        var context = state.Context;
        var watch = Stopwatch.StartNew();
        QemuMachine? machine = null;
        try
        {
            machine = await QemuMachine.StartAsync(context, options with { Incoming = true }, serialLog, cancellationToken);
            try
            {
                await machine.LoadStateAsync(plan.Store.StateOf(plan.Key), TimeSpan.FromMinutes(5), cancellationToken);
            }
            catch (KilnException ex)
            {
                // The file is sound (its digest matched), so this QEMU will not load what it saved: do not try again.
                plan.Store.MarkUnsupported(plan.Key, $"QEMU could not load a machine state it saved: {ex.Message}");
                throw;
            }

            await using (var agent = await GuestAgent.ConnectAsync(machine.AgentSocket!, AgentTimeout, cancellationToken)
                ?? throw new KilnException($"its guest agent did not answer within {Model.Durations.Format(AgentTimeout)} of the resume"))
            {
                var buildKey = state.BuildKey!.PublicKey.Trim();
                await agent.AddAuthorizedKeyAsync(state.Config.SshUsername, buildKey, cancellationToken);
                if (!(await agent.AuthorizedKeysAsync(state.Config.SshUsername, cancellationToken)).Contains(buildKey))
                {
                    throw new KilnException("the build key is not in authorized_keys after the guest agent added it");
                }

                await agent.SetTimeAsync(() => DateTimeOffset.UtcNow, cancellationToken);
                var skew = await agent.TimeAsync(cancellationToken) - DateTimeOffset.UtcNow;
                if (skew.Duration() > ClockTolerance)
                {
                    throw new KilnException(string.Create(CultureInfo.InvariantCulture, $"its clock is {skew.TotalSeconds:0} s off after it was set"));
                }

                await agent.WriteFileAsync("/dev/urandom", RandomNumberGenerator.GetBytes(512), cancellationToken);
            }

            state.Machine = machine;
            state.WarmResumed = true;
            state.Sealer?.OnWarmDisk();
            context.Log.Info(string.Create(
                CultureInfo.InvariantCulture,
                $"warm boot: resumed saved machine {LayerStore.Short(plan.Key)} (saved {saved.Created.UtcDateTime:yyyy-MM-dd HH:mm} UTC) in {watch.Elapsed.TotalSeconds:0.0} s instead of booting"));
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (machine is not null)
            {
                await machine.DisposeAsync();
            }

            plan.Forget();
            plan.Store.Remove(plan.Key);
            context.Log.Warn($"warm boot: cannot resume saved machine {LayerStore.Short(plan.Key)}: {OneLine(ex.Message)}; booting cold");
            await CreateOverlayStep.WriteAsync(state, state.OverlayPath!, state.BaseImagePath!, state.BaseImageFormat!, cancellationToken);
            return false;
        }
    }

    /// <summary>
    /// Saves the running machine as <paramref name="plan"/> says: the build key leaves authorized_keys, the machine
    /// pauses, its disk is switched to a new overlay (the old one, pointed at the plan's base disk, is the saved disk)
    /// and its state is written; then it runs on and gets the key back. Anything that goes wrong is a warning: the build
    /// goes on, as a cold build.
    /// </summary>
    public static async Task SaveAsync(QemuBuildState state, WarmPlan plan, List<ILedgerEntry> files, CancellationToken cancellationToken)
    {
        var context = state.Context;
        var log = context.Log;
        var machine = state.Machine!;
        var watch = Stopwatch.StartNew();
        if (plan.Store.Unsupported(plan.Key) is not null)
        {
            return;
        }

        await using var agent = await GuestAgent.ConnectAsync(machine.AgentSocket!, SaveAgentTimeout, cancellationToken);
        if (agent is null)
        {
            var reason = $"its guest agent did not answer within {Model.Durations.Format(SaveAgentTimeout)} (the base needs qemu-guest-agent)";
            plan.Store.MarkUnsupported(plan.Key, reason);
            log.Info($"warm boot: the machine is not saved: {reason}; builds of this {What(plan)} boot cold");
            return;
        }

        var user = state.Config.SshUsername;
        var buildKey = state.BuildKey!.PublicKey.Trim();
        await using var partial = await plan.Store.CreatePartialAsync(context.Ledger, cancellationToken);
        try
        {
            var disk = state.OverlayPath!;
            try
            {
                await agent.RemoveAuthorizedKeyAsync(user, buildKey, cancellationToken);

                var next = Path.Combine(context.WorkDirectory, $"{state.OutputName}-build-warm-{LayerStore.Short(plan.Key)}.qcow2");
                files.Add(await context.Ledger.RecordAsync(new LedgerResource(FileSweeper.ResourceKind, next), cancellationToken));
                await machine.PauseAsync(cancellationToken);
                try
                {
                    await machine.SnapshotDiskAsync(next, cancellationToken);
                    state.OverlayPath = next;
                    state.Sealer?.OnWarmDisk();
                    await machine.SaveStateAsync(Path.Combine(partial.Path, WarmStore.StateFile), cancellationToken);
                }
                finally
                {
                    await machine.ContinueAsync(CancellationToken.None);
                }
            }
            finally
            {
                await agent.AddAuthorizedKeyAsync(user, buildKey, CancellationToken.None);
            }

            var saved = Path.Combine(partial.Path, LayerStore.DiskFile);
            await using (var source = new FileStream(disk, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20, FileOptions.Asynchronous))
            await using (var target = new FileStream(saved, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
            {
                await source.CopyToAsync(target, cancellationToken);
            }

            // Unsafe rebase: only the pointer changes. After a provisioning step the disk sits on this build's sealed disk,
            // which holds the same bits as the cached layer's.
            await HostTool.RunAsync(context, "qemu-img", ["rebase", "-u", "-f", "qcow2", "-b", plan.BaseDisk, "-F", plan.BaseFormat, saved], cancellationToken);
            if (!await plan.Store.CommitAsync(partial.Path, plan.Key, plan.BaseDisk, plan.Qemu, cancellationToken, plan.Layer))
            {
                log.Info($"warm boot: another build saved this {What(plan)}'s machine meanwhile");
                return;
            }

            var size = new FileInfo(plan.Store.StateOf(plan.Key)).Length + new FileInfo(plan.Store.DiskOf(plan.Key)).Length;
            log.Info(string.Create(
                CultureInfo.InvariantCulture,
                $"warm boot: saved the {(plan.Layer is null ? "booted machine" : "machine on layer " + LayerStore.Short(plan.Layer))} as {LayerStore.Short(plan.Key)} ({DiskSize.Format(size)}) in {watch.Elapsed.TotalSeconds:0.0} s; {(plan.Layer is null ? "later builds of this base resume from it" : "builds that resume from that layer start from it instead of booting")}"));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            log.Warn($"warm boot: could not save the machine: {OneLine(ex.Message)}; the build goes on");
        }

        if (context.Layers?.SizeLimit is { } limit)
        {
            foreach (var evicted in plan.Layers.Evict(limit))
            {
                log.Info($"evicted {LayerStore.Describe(evicted)} (cache larger than {DiskSize.Format(limit)})");
            }
        }
    }

    private static string What(WarmPlan plan) => plan.Layer is null ? "base" : "layer";

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
