using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Steps;

/// <summary>A shared step run in another stage, e.g. wait-for-SSH (a boot step) for the verify machine, so skipping verify skips it too.</summary>
internal sealed class InStage<TState>(IStep<TState> inner, Stage stage, string? name = null) : IStep<TState>
    where TState : BuildState
{
    public string Name => name ?? inner.Name;

    public Stage Stage => stage;

    public Task RunAsync(TState state, CancellationToken cancellationToken) => inner.RunAsync(state, cancellationToken);

    public Task CleanupAsync(TState state, CancellationToken cancellationToken) => inner.CleanupAsync(state, cancellationToken);
}
