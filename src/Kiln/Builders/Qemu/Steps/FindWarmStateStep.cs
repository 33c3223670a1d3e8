using System.Globalization;
using Kiln.Builders.Qemu.Layers;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Steps;

/// <summary>
/// Decides the build machine's warm boot: when the cache is on and the source allows it, a sound saved machine of the
/// disk the build starts from (the base, or the cached provisioning layer it resumes after) is locked for resuming;
/// otherwise the build boots cold and saves one. A saved machine that fails its check (another QEMU, a changed or
/// truncated file) is reported, removed and saved anew.
/// </summary>
internal sealed class FindWarmStateStep(LayerStore layers) : IStep<QemuBuildState>
{
    private static string? CachedQemuVersion;

    public string Name => "find a saved, booted machine";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        var log = state.Context.Log;
        if (state.Context.Layers is not { } provisionLayers)
        {
            return;
        }

        if (WarmKey.Unsupported(state.Config) is { } reason)
        {
            log.Verbose($"warm boot off: {reason}");
            return;
        }

        var store = layers.Warm;
        var key = WarmKey.Compute(state.Config, state.BaseImagePath!, state.UseKvm);
        var layer = state.ResumedSteps > 0 ? provisionLayers.Keys[state.ResumedSteps - 1] : null;
        var what = layer is null ? "this base" : $"layer {LayerStore.Short(layer)}";
        if (store.Unsupported(key) is { } unsupported)
        {
            log.Info($"warm boot off for {what}: {unsupported} (found by an earlier build; CleanImages --clean-layers forgets it)");
            return;
        }

        var plan = new WarmPlan(layers, key, await QemuVersionAsync(state, cancellationToken), state.BaseImagePath!, state.BaseImageFormat!, layer);
        state.Warm = plan;
        if (store.Find(key) is not { } saved)
        {
            log.Info($"warm boot: no saved machine of {what} yet; it is saved once this build has logged in");
            return;
        }

        if (store.TryLockShared(key) is not { } held)
        {
            log.Warn($"warm boot: cannot lock the cache at {store.Root}; booting cold");
            state.Warm = null;
            return;
        }

        if (await store.ProblemAsync(saved, plan.Qemu, cancellationToken) is { } problem)
        {
            held.Dispose();
            store.Remove(key);
            log.Warn($"warm boot: saved machine {LayerStore.Short(key)} is not usable: {problem}; booting cold, and it is saved anew");
            return;
        }

        store.Touch(key);
        plan.Resume(saved, held);
        log.Verbose(string.Create(CultureInfo.InvariantCulture, $"warm boot: resuming saved machine {LayerStore.Short(key)} (saved {saved.Created.UtcDateTime:yyyy-MM-dd HH:mm} UTC)"));
    }

    public Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        state.Warm?.Release();
        state.Warm = null;
        return Task.CompletedTask;
    }

    /// <summary>The first line of <c>qemu-system-x86_64 --version</c>, e.g. "QEMU emulator version 7.2.19 (Debian 1:7.2+dfsg-7+deb12u18)".</summary>
    private static async Task<string> QemuVersionAsync(QemuBuildState state, CancellationToken cancellationToken) =>
        CachedQemuVersion ??= (await HostTool.RunAsync(state.Context, "qemu-system-x86_64", ["--version"], cancellationToken)).Split('\n')[0].Trim();
}
