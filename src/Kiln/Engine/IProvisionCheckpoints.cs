namespace Kiln.Engine;

/// <summary>
/// A build state whose machine can resume after cached provisioning steps and seal its disk after each step.
/// The provision step skips the first <see cref="ResumedSteps"/> steps and calls <see cref="SealAsync"/> after each
/// one it runs.
/// </summary>
public interface IProvisionCheckpoints
{
    /// <summary>Steps whose result the machine booted with (0 when it booted the base).</summary>
    int ResumedSteps { get; }

    /// <summary>Keeps the disk as it is after step <paramref name="step"/> (1-based), if that step may be cached; never fails the build.</summary>
    Task SealAsync(int step, CancellationToken cancellationToken);
}
