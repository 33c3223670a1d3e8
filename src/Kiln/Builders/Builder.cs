using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders;

/// <summary>Typed base for builders: the config type binds the YAML, the state type carries what the steps share.</summary>
public abstract class Builder<TConfig, TState> : IBuilder
    where TConfig : SourceConfig
    where TState : BuildState
{
    public abstract string Type { get; }

    public Type ConfigType => typeof(TConfig);

    /// <summary>Pure: the same source always yields the same steps. Used both to run and to describe the plan.</summary>
    protected abstract IEnumerable<IStep<TState>> CreateSteps(TConfig config, ResolvedSource source);

    protected abstract TState CreateState(TConfig config, BuildContext context);

    protected virtual IEnumerable<string> DescribeTemporaryResources(TConfig config) => [];

    public IReadOnlyList<PlannedStep> DescribeSteps(ResolvedSource source) =>
        [.. CreateSteps(ConfigOf(source), source).Select(s => new PlannedStep(s.Name, s.Stage))];

    IReadOnlyList<string> IBuilder.DescribeTemporaryResources(ResolvedSource source) =>
        [.. DescribeTemporaryResources(ConfigOf(source))];

    public IBuildPipeline CreatePipeline(BuildContext context)
    {
        var config = ConfigOf(context.Source);
        return new BuildPipeline<TState>(CreateState(config, context), [.. CreateSteps(config, context.Source)]);
    }

    private TConfig ConfigOf(ResolvedSource source) =>
        source.Config as TConfig
        ?? throw new InvalidOperationException(
            $"Source '{source.Name}' has a {source.Config.GetType().Name}, but builder '{Type}' takes {typeof(TConfig).Name}.");
}
