using System.Diagnostics;
using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Steps;

/// <summary>
/// The publish stage after a builder's own steps: runs each of the source's <c>publish:</c> chains. Every chain starts
/// from the build's artifacts and hands each publisher the previous one's outputs. What a publisher consumed is kept
/// only when it says <c>keep_input_artifact</c> (Packer's rule); the build's own artifacts are kept when any chain's
/// first publisher keeps them. Publishers are found in the build's plugins (<see cref="BuildContext.Plugins"/>). The result replaces <see cref="BuildState.Artifacts"/>.
/// </summary>
internal sealed class PublishChains
{
    public async Task RunAsync(BuildState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var chains = state.Context.Source.Publish.Where(c => c.Count > 0).ToList();
        if (chains.Count == 0)
        {
            return;
        }

        var built = state.Artifacts.ToList();
        var kept = new List<Artifact>();
        var dropped = new List<Artifact>();
        if (chains.Any(c => c[0].Config.KeepInputArtifact))
        {
            kept.AddRange(built);
        }
        else
        {
            dropped.AddRange(built);
        }

        foreach (var chain in chains)
        {
            IReadOnlyList<Artifact> current = built;
            for (var i = 0; i < chain.Count; i++)
            {
                var entry = chain[i];
                var outputs = await PublishAsync(entry, state, current, cancellationToken);
                if (i > 0)
                {
                    (entry.Config.KeepInputArtifact ? kept : dropped).AddRange(current);
                }

                current = outputs;
            }

            kept.AddRange(current);
        }

        state.Artifacts.Clear();
        state.Artifacts.AddRange(kept.Distinct());
        RemoveFiles(state, dropped.Except(kept));
    }

    private static async Task<IReadOnlyList<Artifact>> PublishAsync(
        ResolvedPlugin<PublisherConfig> entry, BuildState state, IReadOnlyList<Artifact> inputs, CancellationToken cancellationToken)
    {
        var label = entry.Location is null ? $"publisher '{entry.Type}'" : $"publisher '{entry.Type}' ({entry.Location})";
        var publishers = state.Context.Plugins.Publishers;
        if (!publishers.TryGetValue(entry.Type, out var publisher))
        {
            throw new KilnException(
                $"{label}: no publisher of type '{entry.Type}'",
                $"known publisher types: {string.Join(", ", publishers.Keys.Order(StringComparer.Ordinal))}");
        }

        state.Context.Progress.StepStarted($"publish: {entry.Type}", Stage.Publish);
        state.Context.Log.Info($"{label}: publishing {inputs.Count} artifact(s)");
        var watch = Stopwatch.StartNew();
        try
        {
            var outputs = await publisher.PublishAsync(entry.Config, state, inputs, cancellationToken);
            state.Timings.Add(new StepTiming($"publish: {entry.Type}", Stage.Publish, watch.Elapsed, StepOutcome.Succeeded));
            return outputs;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            state.Timings.Add(new StepTiming($"publish: {entry.Type}", Stage.Publish, watch.Elapsed, StepOutcome.Cancelled));
            throw;
        }
        catch (Exception ex)
        {
            state.Timings.Add(new StepTiming($"publish: {entry.Type}", Stage.Publish, watch.Elapsed, StepOutcome.Failed));
            throw new KilnException($"{label} failed: {ex.Message}", (ex as KilnException)?.Hint, ex);
        }
    }

    /// <summary>Deletes the files of artifacts no one kept, but only inside this build's own directories.</summary>
    private static void RemoveFiles(BuildState state, IEnumerable<Artifact> artifacts)
    {
        var owned = new[] { state.Context.OutputDirectory, state.Context.WorkDirectory }
            .Select(d => Path.GetFullPath(d).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar)
            .ToList();
        foreach (var file in artifacts.SelectMany(a => a.Files))
        {
            var path = Path.GetFullPath(file.Path, state.Context.OutputDirectory);
            if (owned.Any(d => path.StartsWith(d, StringComparison.Ordinal)) && File.Exists(path))
            {
                File.Delete(path);
                state.Context.Log.Verbose($"removed {path}: no publisher kept it");
            }
        }
    }
}
