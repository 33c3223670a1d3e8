using System.Diagnostics;
using System.Globalization;
using Kiln.Diagnostics;
using Kiln.Engine;

namespace Kiln.Builders.Qemu.Layers;

/// <summary>
/// Seals the build disk after each cacheable provisioning step (<see cref="LayerSnapshot"/>): the build key leaves
/// authorized_keys, the guest freezes its file systems, QEMU switches the disk to a new overlay (an external snapshot),
/// the guest thaws and gets the key back. The disk before the switch is then the state after that step; a copy of it,
/// rebased onto the layer before, goes into the cache. That copy is written while the build goes on (the disk no longer
/// changes) and is waited for before the next layer goes on top of it, before a machine is saved on it, and before
/// the build ends (<see cref="FinishAsync"/>). A layer that cannot be written is a warning: the build goes on,
/// uncached from there. After every step but the last cacheable one, the running machine is also saved on top of the
/// new layer (a warm boot), so a build that changes only later steps resumes it instead of booting the layer.
/// </summary>
internal sealed class LayerSealer(LayerStore store, ProvisionLayers layers, LayerParent parent) : IAsyncDisposable
{
    /// <summary>A machine with the agent's port but no agent in the guest costs this once per build.</summary>
    private static readonly TimeSpan AgentTimeout = TimeSpan.FromSeconds(5);

    private readonly List<ILedgerEntry> _overlays = [];
    private LayerParent _parent = parent;
    private PendingLayer? _pending;
    private IBuildLog? _log;
    private bool _stopped;
    private bool _agentMissing;

    /// <summary>The machine runs on a warm boot's disk (on top of the parent's): the next layer must take that disk in.</summary>
    public void OnWarmDisk() => _parent = _parent with { Flatten = true };

    public async Task SealAsync(QemuBuildState state, int step, CancellationToken cancellationToken)
    {
        if (_stopped || step > layers.CacheableSteps || !await FinishAsync(state.Context.Log))
        {
            return;
        }

        var key = layers.Keys[step - 1]!;
        var log = state.Context.Log;
        if (store.Find(key) is not null)
        {
            // Another build made it meanwhile: its bits differ from this disk's, so layers on top of this disk cannot go on top of it.
            log.Info($"layer {LayerStore.Short(key)} (after step {step}) was cached by another build meanwhile; later steps are not cached in this build");
            _stopped = true;
            return;
        }

        var watch = Stopwatch.StartNew();
        FileStream sealedDisk;
        try
        {
            // Opened now: the work directory's cleanup may delete the file before the copy has read it.
            sealedDisk = OpenForCopy(await SnapshotAsync(state, step, cancellationToken));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            log.Warn($"could not seal the disk after step {step} as layer {LayerStore.Short(key)}: {ex.Message}; later steps are not cached");
            _stopped = true;
            return;
        }

        var parent = _parent;
        _pending = new PendingLayer(key, step, Task.Run(() => WriteAsync(state.Context, key, parent, step, sealedDisk, cancellationToken), CancellationToken.None));
        log.Info(string.Create(CultureInfo.InvariantCulture, $"sealed step {step} as layer {LayerStore.Short(key)} in {watch.Elapsed.TotalSeconds:0.0} s; it is written to the cache while the build goes on"));
        if (step < layers.CacheableSteps && state.Warm is { } warm && state.Machine?.AgentSocket is not null && await FinishAsync(log))
        {
            var disk = store.DiskOf(key);
            await WarmBoot.SaveAsync(state, warm.ForLayer(key, disk, WarmKey.Compute(state.Config, disk, state.UseKvm)), _overlays, cancellationToken);
        }
    }

    /// <summary>
    /// Waits for the layer being written to the cache, if any; false (after a warning) when it could not be written,
    /// and from then on: later steps are not cached.
    /// </summary>
    public async Task<bool> FinishAsync(IBuildLog log)
    {
        _log = log;
        if (_pending is not { } pending)
        {
            return !_stopped;
        }

        _pending = null;
        LayerInfo written;
        TimeSpan took;
        try
        {
            (written, took) = await pending.Writing;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or KilnException)
        {
            log.Warn($"could not write layer {LayerStore.Short(pending.Key)} (after step {pending.Step}) to the cache at {store.Root}: {ex.Message}; the build goes on without caching");
            _stopped = true;
            return false;
        }

        _parent = new LayerParent(pending.Key, store.DiskOf(pending.Key), "qcow2");
        log.Info(string.Create(
            CultureInfo.InvariantCulture,
            $"layer {LayerStore.Short(pending.Key)} (after step {pending.Step}) is cached ({DiskSize.Format(written.Size)}, written in {took.TotalSeconds:0.0} s)"));
        if (layers.SizeLimit is { } limit)
        {
            foreach (var evicted in store.Evict(limit))
            {
                log.Info($"evicted {LayerStore.Describe(evicted)} (cache larger than {DiskSize.Format(limit)})");
            }
        }

        return true;
    }

    /// <summary>
    /// Lets a layer still being written finish before the disks it reads go, when the build stops early; never throws.
    /// A cancelled build's half-written layer is dropped with its ledgered directory.
    /// </summary>
    public async Task SettleAsync()
    {
        if (_pending is null || _log is not { } log)
        {
            return;
        }

        try
        {
            await FinishAsync(log);
        }
        catch (OperationCanceledException)
        {
        }
#pragma warning disable CA1031 // Cleanup goes on whatever the write ran into; the layer is not cached.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            log.Warn($"could not write a layer to the cache at {store.Root}: {ex.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await SettleAsync();
        foreach (var entry in _overlays)
        {
            File.Delete(entry.Resource.Id);
            await entry.ReleaseAsync(CancellationToken.None);
        }

        _overlays.Clear();
    }

    /// <summary>
    /// Takes the disk after <paramref name="step"/>, through the guest agent when it answers (it starts no process in
    /// the guest, so it is the quicker way), else over SSH. After the last step the build key stays out of
    /// authorized_keys, as capture wants it.
    /// </summary>
    private async Task<string> SnapshotAsync(QemuBuildState state, int step, CancellationToken cancellationToken)
    {
        var keepKeyOut = step == layers.Keys.Count;
        await using var agent = !_agentMissing && state.Machine?.AgentSocket is { } socket
            ? await GuestAgent.ConnectAsync(socket, AgentTimeout, cancellationToken)
            : null;
        _agentMissing = agent is null;
        var disk = await LayerSnapshot.TakeAsync(state, agent, step, keepKeyOut, _overlays, cancellationToken);
        if (keepKeyOut)
        {
            state.BuildKeyRemovedBy = string.Create(CultureInfo.InvariantCulture, $"when step {step}'s layer was sealed");
        }

        return disk;
    }

    private static FileStream OpenForCopy(string disk) =>
        new(disk, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);

    /// <summary>Writes the layer; also returns how long that took, which is not how long the build waited for it.</summary>
    private async Task<(LayerInfo Layer, TimeSpan Took)> WriteAsync(BuildContext context, string key, LayerParent parent, int step, FileStream sealedDisk, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        await using (sealedDisk)
        {
            var layer = await store.AddAsync(context, key, parent, step, layers.Keys.Count, sealedDisk, cancellationToken)
                ?? throw new IOException("another build cached the same layer meanwhile");
            return (layer, watch.Elapsed);
        }
    }

    private sealed record PendingLayer(string Key, int Step, Task<(LayerInfo Layer, TimeSpan Took)> Writing);
}
