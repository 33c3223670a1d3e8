using Amazon.EC2.Model;
using Kiln.Builders.Amazon.Steps;
using Kiln.Engine;
using Kiln.Ledger;

namespace Kiln.Builders.Amazon;

/// <summary>
/// Finds what runs that died without a ledger (or whose ledger was lost) left in an account: every resource
/// carrying the <c>kiln:run</c> tag of a run the caller says is dead, except AMIs (and their snapshots) that a
/// build finished. The results are ledger-shaped, so the sweepers remove them.
/// </summary>
internal static class Ec2Leftovers
{
    private static readonly string[] SweepOrder =
        [Ec2ResourceKinds.Instance, Ec2ResourceKinds.SecurityGroup, Ec2ResourceKinds.KeyPair, Ec2ResourceKinds.Image, Ec2ResourceKinds.Snapshot];

    public static async Task<IReadOnlyList<LedgerResource>> FindAsync(
        Ec2Location account,
        IEnumerable<string> regions,
        Func<string, bool> isDeadRun,
        Ec2SweepOptions? options,
        CancellationToken cancellationToken)
    {
        options ??= new Ec2SweepOptions();
        using var ec2 = new Ec2Session(
            Ec2Clients.Create(account),
            account,
            new Ec2Call(options.Log, options.MaxRetries, options.RetryBaseDelay),
            new Ec2Waiter(options.Log, options.Progress, options.PollInterval),
            "");
        var found = new List<LedgerResource>();
        Filter tagged = new("tag-key", [Ec2ResourceKinds.RunTag]);
        foreach (var region in regions.Distinct(StringComparer.Ordinal))
        {
            var location = account.InRegion(region);
            void Add(string kind, string id, List<Tag>? tags)
            {
                var run = tags?.FirstOrDefault(t => t.Key == Ec2ResourceKinds.RunTag)?.Value;
                if (run is not null && isDeadRun(run) && tags!.All(t => t.Key != CommitArtifactStep.CompleteTag))
                {
                    found.Add(new LedgerResource(kind, id, location.ToLedgerData((Ec2ResourceKinds.RunKey, run))));
                }
            }

            var instances = await ec2.CallAsync(region, "DescribeInstances", (c, t) => c.DescribeInstancesAsync(new()
            {
                Filters = [tagged, new("instance-state-name", ["pending", "running", "stopping", "stopped", "shutting-down"])],
            }, t), cancellationToken);
            foreach (var instance in (instances.Reservations ?? []).SelectMany(r => r.Instances ?? []))
            {
                Add(Ec2ResourceKinds.Instance, instance.InstanceId, instance.Tags);
            }

            var groups = await ec2.CallAsync(region, "DescribeSecurityGroups", (c, t) => c.DescribeSecurityGroupsAsync(new() { Filters = [tagged] }, t), cancellationToken);
            foreach (var group in groups.SecurityGroups ?? [])
            {
                Add(Ec2ResourceKinds.SecurityGroup, group.GroupId, group.Tags);
            }

            var keys = await ec2.CallAsync(region, "DescribeKeyPairs", (c, t) => c.DescribeKeyPairsAsync(new() { Filters = [tagged] }, t), cancellationToken);
            foreach (var key in keys.KeyPairs ?? [])
            {
                Add(Ec2ResourceKinds.KeyPair, key.KeyName, key.Tags);
            }

            var images = await ec2.CallAsync(region, "DescribeImages", (c, t) => c.DescribeImagesAsync(new() { Owners = ["self"], Filters = [tagged] }, t), cancellationToken);
            foreach (var image in images.Images ?? [])
            {
                Add(Ec2ResourceKinds.Image, image.ImageId, image.Tags);
            }

            var snapshots = await ec2.CallAsync(region, "DescribeSnapshots", (c, t) => c.DescribeSnapshotsAsync(new() { OwnerIds = ["self"], Filters = [tagged] }, t), cancellationToken);
            foreach (var snapshot in snapshots.Snapshots ?? [])
            {
                Add(Ec2ResourceKinds.Snapshot, snapshot.SnapshotId, snapshot.Tags);
            }
        }

        return [.. found.OrderBy(r => Array.IndexOf(SweepOrder, r.Kind))];
    }

    /// <summary>Removes the found resources in dependency order (instances before their groups, images before their snapshots).</summary>
    public static async Task SweepAsync(IEnumerable<LedgerResource> leftovers, IReadOnlyDictionary<string, IResourceSweeper> sweepers, CancellationToken cancellationToken)
    {
        foreach (var resource in leftovers.OrderBy(r => Array.IndexOf(SweepOrder, r.Kind)))
        {
            await sweepers[resource.Kind].SweepAsync(resource, cancellationToken);
        }
    }
}
