using System.Diagnostics;
using System.Globalization;
using Kiln.Builders.Qemu.Steps;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Ledger;
using Kiln.Steps;

namespace Kiln.Builders.Qemu.Layers;

/// <summary>
/// Seals the build disk after each cacheable provisioning step: the build key leaves authorized_keys, the guest
/// syncs and freezes its file systems, QEMU pauses and switches the disk to a new overlay (an external snapshot),
/// the guest thaws and gets the key back. The disk before the switch is then the state after that step; a copy of it,
/// rebased onto the layer before, goes into the cache. A layer that cannot be written is a warning: the build goes on,
/// uncached from there. After every step but the last cacheable one, the running machine is also saved on top of the
/// new layer (a warm boot), so a build that changes only later steps resumes it instead of booting the layer.
/// </summary>
internal sealed class LayerSealer(LayerStore store, ProvisionLayers layers, LayerParent parent) : IAsyncDisposable
{
    private readonly List<ILedgerEntry> _overlays = [];
    private LayerParent _parent = parent;
    private bool _stopped;

    /// <summary>The machine runs on a warm boot's disk (on top of the parent's): the next layer must take that disk in.</summary>
    public void OnWarmDisk() => _parent = _parent with { Flatten = true };

    public async Task SealAsync(QemuBuildState state, int step, CancellationToken cancellationToken)
    {
        if (_stopped || step > layers.CacheableSteps)
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
        string sealedDisk;
        try
        {
            sealedDisk = await SnapshotAsync(state, step, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            log.Warn($"could not seal the disk after step {step} as layer {LayerStore.Short(key)}: {ex.Message}; later steps are not cached");
            _stopped = true;
            return;
        }

        try
        {
            await StoreAsync(state, key, step, sealedDisk, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or KilnException)
        {
            log.Warn($"could not write layer {LayerStore.Short(key)} (after step {step}) to the cache at {store.Root}: {ex.Message}; the build goes on without caching");
            _stopped = true;
            return;
        }

        log.Info(string.Create(CultureInfo.InvariantCulture, $"sealed step {step} as layer {LayerStore.Short(key)} in {watch.Elapsed.TotalSeconds:0.0} s"));
        if (step < layers.CacheableSteps && state.Warm is { } warm && state.Machine?.AgentSocket is not null)
        {
            var disk = store.DiskOf(key);
            await WarmBoot.SaveAsync(state, warm.ForLayer(key, disk, WarmKey.Compute(state.Config, disk, state.UseKvm)), _overlays, cancellationToken);
        }

        if (layers.SizeLimit is { } limit)
        {
            foreach (var evicted in store.Evict(limit))
            {
                log.Info($"evicted {LayerStore.Describe(evicted)} (cache larger than {DiskSize.Format(limit)})");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var entry in _overlays)
        {
            File.Delete(entry.Resource.Id);
            await entry.ReleaseAsync(CancellationToken.None);
        }

        _overlays.Clear();
    }

    /// <summary>Switches the running machine to a new overlay; returns the disk as it was after the step.</summary>
    private async Task<string> SnapshotAsync(QemuBuildState state, int step, CancellationToken cancellationToken)
    {
        var machine = state.Machine ?? throw new KilnException("no machine is running");
        var communicator = state.Communicator ?? throw new KilnException("no SSH connection to the machine");
        var buildKey = state.BuildKey ?? throw new KilnException("the build has no SSH key");
        var keyEnvironment = new Dictionary<string, string> { ["KILN_KEY"] = buildKey.PublicKeyBlob, ["KILN_KEY_LINE"] = buildKey.PublicKey.Trim() };

        // The layer must not keep this build's key: a later build resuming from it brings its own.
        await RunAsync(communicator, new RemoteCommand(RemoveBuildKeyStep<QemuBuildState>.Script("$HOME/.ssh/authorized_keys")) { Environment = keyEnvironment }, "remove the build key", cancellationToken);

        var flag = $"/dev/shm/kiln-thaw-{Guid.NewGuid():N}";
        var frozen = new LineSignal(GuestFreeze.FrozenLine);
        var freeze = communicator.ExecuteAsync(new RemoteCommand(GuestFreeze.Script(flag)) { Sudo = true }, frozen, cancellationToken);
        await Task.WhenAny(frozen.Seen, freeze);

        var disk = state.OverlayPath!;
        var next = Path.Combine(state.Context.WorkDirectory, string.Create(CultureInfo.InvariantCulture, $"{state.OutputName}-build-after-{step}.qcow2"));
        _overlays.Add(await state.Context.Ledger.RecordAsync(new LedgerResource(FileSweeper.ResourceKind, next), cancellationToken));
        await machine.PauseAsync(cancellationToken);
        try
        {
            await machine.SnapshotDiskAsync(next, cancellationToken);
            state.OverlayPath = next;
        }
        finally
        {
            await machine.ContinueAsync(CancellationToken.None);
            await RunAsync(communicator, new RemoteCommand($"touch {flag}"), "thaw the file systems", CancellationToken.None);
            await freeze;
            await RunAsync(communicator, new RemoteCommand(GuestFreeze.AddKeyScript) { Environment = keyEnvironment }, "give the build key back", CancellationToken.None);
        }

        return disk;
    }

    private async Task StoreAsync(QemuBuildState state, string key, int step, string sealedDisk, CancellationToken cancellationToken)
    {
        if (!await store.AddAsync(state.Context, key, _parent, step, layers.Keys.Count, sealedDisk, cancellationToken))
        {
            throw new IOException("another build cached the same layer meanwhile");
        }

        _parent = new LayerParent(key, store.DiskOf(key), "qcow2");
    }

    private static async Task RunAsync(ICommunicator communicator, RemoteCommand command, string what, CancellationToken cancellationToken)
    {
        var output = new CollectedOutput();
        var result = await communicator.ExecuteAsync(command, output, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new KilnException($"could not {what} (exit {result.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"}): {output.Text.Trim()}");
        }
    }

    /// <summary>Completes <see cref="Seen"/> when the command prints the given line.</summary>
    private sealed class LineSignal(string line) : ICommandOutput
    {
        private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Seen => _seen.Task;

        public void StandardOutput(string text)
        {
            if (text.Trim() == line)
            {
                _seen.TrySetResult();
            }
        }

        public void StandardError(string text)
        {
        }
    }
}
