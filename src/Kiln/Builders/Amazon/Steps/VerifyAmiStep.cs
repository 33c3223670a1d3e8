using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Amazon.Steps;

/// <summary>
/// Runs the verify checks on the instance launched from the AMI, then terminates it and deletes its key pair at
/// once, whether the checks passed or not, instead of leaving them running until the end of the build. A
/// cancelled build leaves that to the pipeline's cleanup, which calls the same steps' cleanups.
/// </summary>
internal sealed class VerifyAmiStep(IStep<AmazonEbsState> checks, IReadOnlyList<IStep<AmazonEbsState>> verifyResources) : IStep<AmazonEbsState>
{
    public string Name => "verify";

    public Stage Stage => Stage.Verify;

    public async Task RunAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        try
        {
            await checks.RunAsync(state, cancellationToken);
            state.AmiVerified = true;
        }
        finally
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                await CleanupAsync(state, cancellationToken);
            }
        }
    }

    /// <summary>The verify resources in reverse order of creation: connection, instance, key pair, key. Each cleanup is idempotent.</summary>
    public async Task CleanupAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        foreach (var step in verifyResources)
        {
            await step.CleanupAsync(state, cancellationToken);
        }
    }
}
