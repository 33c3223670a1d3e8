using System.Globalization;
using Kiln.Builders.Qemu.Layers;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Steps;

/// <summary>
/// Finds the longest prefix of the provisioning steps whose layers are cached and sound, and makes its last layer the
/// disk the build overlay goes on top of; the provision step then runs only the steps after it. A layer that fails its
/// check (digest, size, backing chain) is reported by key and skipped: the build takes the colder path.
/// </summary>
internal sealed class ResumeFromLayerStep(LayerStore store) : IStep<QemuBuildState>
{
    private readonly List<FileStream> _locks = [];

    public string Name => "resume from cached layers";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        var layers = state.Context.Layers;
        if (layers is not { CacheableSteps: > 0 })
        {
            return;
        }

        var log = state.Context.Log;
        var total = layers.Keys.Count;
        for (var k = layers.CacheableSteps; k >= 1; k--)
        {
            if (store.Find(layers.Keys[k - 1]!) is null)
            {
                continue;
            }

            var (usable, problem) = await CheckChainAsync(state, layers, k, cancellationToken);
            if (problem is not null)
            {
                log.Warn(problem);
            }

            if (usable < k)
            {
                ReleaseLocks();
                k = usable + 1;
                continue;
            }

            var top = store.Find(layers.Keys[k - 1]!)!;
            for (var step = 1; step <= k; step++)
            {
                store.Touch(layers.Keys[step - 1]!);
            }

            state.Sealer = new LayerSealer(store, layers, new LayerParent(top.Key, store.DiskOf(top.Key), "qcow2"));
            state.ResumedSteps = k;
            state.BaseImagePath = store.DiskOf(top.Key);
            state.BaseImageFormat = "qcow2";
            log.Info(string.Create(CultureInfo.InvariantCulture, $"resumed after step {k} of {total} (cached {top.Created.UtcDateTime:yyyy-MM-dd HH:mm} UTC, layer {LayerStore.Short(top.Key)})"));
            return;
        }

        state.Sealer = new LayerSealer(store, layers, new LayerParent(null, state.BaseImagePath!, state.BaseImageFormat!));
        log.Info($"no cached layers for these steps; steps 1-{layers.CacheableSteps} of {total} will be cached");
    }

    public async Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        if (state.Sealer is { } sealer)
        {
            await sealer.DisposeAsync();
            state.Sealer = null;
        }

        ReleaseLocks();
    }

    /// <summary>Locks and checks layers 1..k; returns how many from the bottom are usable and, if one is not, why.</summary>
    private async Task<(int Usable, string? Problem)> CheckChainAsync(QemuBuildState state, ProvisionLayers layers, int k, CancellationToken cancellationToken)
    {
        for (var step = 1; step <= k; step++)
        {
            var key = layers.Keys[step - 1]!;
            if (store.TryLockShared(key) is not { } held)
            {
                return (step - 1, $"cannot lock the layer cache at {store.Root}; provisioning starts from step {step}");
            }

            _locks.Add(held);
            var layer = store.Find(key);
            var expectedParent = step == 1 ? null : layers.Keys[step - 2];
            string? problem = layer is null ? "it is missing"
                : layer.Parent != expectedParent ? "it is on top of a different layer"
                : step == 1 && layer.Backing != state.BaseImagePath ? $"it is on top of {layer.Backing}, not the base {state.BaseImagePath}"
                : await store.ProblemAsync(layer, cancellationToken);
            if (problem is null && step == k)
            {
                problem = await ChainProblemAsync(state, store.DiskOf(key), cancellationToken);
            }

            if (problem is not null)
            {
                if (layer is not null)
                {
                    ReleaseLocks();
                    store.Remove(key);
                }

                return (step - 1, $"cached layer {LayerStore.Short(key)} (after step {step}) is not usable: {problem}; it is removed and steps from {step} on run again");
            }
        }

        return (k, null);
    }

    private static async Task<string?> ChainProblemAsync(QemuBuildState state, string disk, CancellationToken cancellationToken)
    {
        try
        {
            await HostTool.RunAsync(state.Context, "qemu-img", ["check", "-q", "-f", "qcow2", disk], cancellationToken);
            await HostTool.RunAsync(state.Context, "qemu-img", ["info", "--backing-chain", "-U", disk], cancellationToken);
            return null;
        }
        catch (Diagnostics.KilnException ex)
        {
            return ex.Message;
        }
    }

    private void ReleaseLocks()
    {
        foreach (var held in _locks)
        {
            held.Dispose();
        }

        _locks.Clear();
    }
}
