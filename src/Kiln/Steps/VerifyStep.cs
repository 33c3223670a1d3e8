using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Steps;

/// <summary>
/// The verify stage: runs the source's <c>verify:</c> checks (provisioners whose success is the check) against the
/// machine the builder booted from the captured image. Every check runs and is recorded, then the build fails if any did.
/// </summary>
internal sealed class VerifyStep<TState>(RetryPolicy? retry = null) : IStep<TState>
    where TState : BuildState
{
    private readonly ProvisionerInvoker _invoker = new(retry ?? RetryPolicy.Default);

    public string Name => "verify";

    public Stage Stage => Stage.Verify;

    public async Task RunAsync(TState state, CancellationToken cancellationToken)
    {
        var entries = state.Context.Source.Verify;
        var failed = new List<string>();
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var check = ProvisionerInvoker.Describe(entry, "check");
            try
            {
                await _invoker.RunAsync(entry, "check", state, cancellationToken);
                state.Checks.Add(new CheckResult(check, true));
                state.Context.Log.Info($"{check}: passed");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (KilnException ex)
            {
                state.Checks.Add(new CheckResult(check, false, ex.Message));
                state.Context.Log.Error(ex.Message);
                failed.Add(check);
            }
        }

        if (failed.Count > 0)
        {
            throw new KilnException(
                $"{failed.Count} of {entries.Count} verify checks failed: {string.Join("; ", failed)}",
                "the image was captured but does not pass its checks; see each check's output above");
        }
    }

    public Task CleanupAsync(TState state, CancellationToken cancellationToken) => Task.CompletedTask;
}
