using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Amazon.Steps;

/// <summary>
/// Opens the verify stage. Its cleanup runs after every verify step's and before the image steps': when the AMI was
/// not verified (a check failed, the verify instance could not start, or the build was cancelled), the artifact is
/// withdrawn and, with <c>on_verify_failure: deregister</c>, the AMIs are un-committed so the image steps' cleanup
/// deregisters them and deletes their snapshots.
/// </summary>
internal sealed class VerifyOutcomeStep : IStep<AmazonEbsState>
{
    private bool _started;

    public string Name => "prepare the AMI verify";

    public Stage Stage => Stage.Verify;

    public Task RunAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        _started = true;
        return Task.CompletedTask;
    }

    public Task CleanupAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        if (!_started || state.AmiVerified)
        {
            return Task.CompletedTask;
        }

        _started = false;
        state.Artifacts.RemoveAll(a => a.BuilderType == AmazonEbsBuilder.TypeName);
        var images = string.Join(", ", state.Images.Select(i => $"{i.Key}:{i.Value}"));
        if (state.Config.OnVerifyFailure == VerifyFailureAction.Keep)
        {
            state.Context.Log.Info($"the AMI was not verified; keeping {images} for inspection (on_verify_failure: keep)");
        }
        else
        {
            state.Context.Log.Info($"the AMI was not verified; deregistering {images} (on_verify_failure: deregister)");
            state.ImagesCommitted = false;
        }

        return Task.CompletedTask;
    }
}
