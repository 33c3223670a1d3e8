using Kiln.Model;

namespace Kiln.Engine;

/// <summary>
/// One unit of a build, Packer-style. <see cref="CleanupAsync"/> runs for every step whose Run started,
/// in reverse order, on success, failure and cancellation alike; it must tolerate a Run that stopped half-way.
/// </summary>
public interface IStep<in TState>
    where TState : BuildState
{
    string Name { get; }

    Stage Stage { get; }

    Task RunAsync(TState state, CancellationToken cancellationToken);

    Task CleanupAsync(TState state, CancellationToken cancellationToken);
}
