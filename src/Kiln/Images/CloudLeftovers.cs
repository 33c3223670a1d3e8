using System.Globalization;
using Kiln.Builders.Amazon;
using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Plugins;

namespace Kiln.Images;

/// <summary>
/// Sweeps cloud resources tagged by runs whose ledger is gone (a destroyed CI runner, a wiped laptop). With no ledger
/// to ask whether such a run is alive, only runs older than a threshold are taken for dead: no build lasts that long,
/// and a live build on another machine must never lose its instance.
/// </summary>
internal static class CloudLeftovers
{
    public static async Task<int> SweepAsync(
        DefinitionSet definitions, TimeSpan olderThan, PluginCatalog catalog, IBuildLog log, CancellationToken cancellationToken)
    {
        var accounts = definitions.Images
            .SelectMany(image => definitions.Resolve(image.Name, BuildScope.Symbolic).Sources)
            .Select(source => source.Config)
            .OfType<AmazonEbsSourceConfig>()
            .Where(config => config.Region is not null)
            .GroupBy(config => (config.Profile, config.Endpoint))
            .ToList();
        var swept = 0;
        foreach (var account in accounts)
        {
            var first = account.First();
            var location = new Ec2Location(first.Region!, first.Profile, first.Endpoint);
            var regions = account.SelectMany(c => (IEnumerable<string>)[c.Region!, .. c.AmiRegions]).Distinct(StringComparer.Ordinal).ToList();
            try
            {
                var leftovers = await Ec2Leftovers.FindAsync(location, regions, run => IsOlderThan(run, olderThan), new Ec2SweepOptions { Log = log }, cancellationToken);
                await Ec2Leftovers.SweepAsync(leftovers, catalog.Sweepers, cancellationToken);
                foreach (var resource in leftovers)
                {
                    log.Info($"removed {resource.Kind} {resource.Id} left by run {resource.Data.GetValueOrDefault("run")} ({location})");
                }

                swept += leftovers.Count;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.Warn($"could not look for tagged leftovers in {string.Join(", ", regions)}: {ex.Message}");
            }
        }

        return swept;
    }

    /// <summary>Run ids start with their UTC start time (yyyyMMdd-HHmmss); an id that does not is never taken for dead.</summary>
    internal static bool IsOlderThan(string runId, TimeSpan age) =>
        runId.Length >= 15
        && DateTime.TryParseExact(runId[..15], "yyyyMMdd-HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var started)
        && DateTime.UtcNow - started > age;
}
