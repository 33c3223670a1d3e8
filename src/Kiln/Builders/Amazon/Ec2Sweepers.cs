using Kiln.Engine;
using Kiln.Ledger;

namespace Kiln.Builders.Amazon;

/// <summary>
/// Base of the EC2 sweepers: each removes one kind of resource a dead run left, from its ledger record alone
/// (region, profile and endpoint are in the record; credentials come from the standard chain).
/// </summary>
internal abstract class Ec2Sweeper : IResourceSweeper
{
    private readonly Ec2SweepOptions _options;

    protected Ec2Sweeper(Ec2SweepOptions? options) => _options = options ?? new Ec2SweepOptions();

    public abstract string Kind { get; }

    protected Ec2SweepOptions Options => _options;

    public async Task SweepAsync(LedgerResource resource, CancellationToken cancellationToken)
    {
        var location = Ec2Location.FromLedger(resource);
        using var ec2 = new Ec2Session(
            Ec2Clients.Create(location),
            location,
            new Ec2Call(_options.Log, _options.MaxRetries, _options.RetryBaseDelay),
            new Ec2Waiter(_options.Log, _options.Progress, _options.PollInterval),
            resource.Data.GetValueOrDefault(Ec2ResourceKinds.RunKey) ?? "");
        await SweepAsync(ec2, resource, cancellationToken);
    }

    protected abstract Task SweepAsync(Ec2Session ec2, LedgerResource resource, CancellationToken cancellationToken);
}

internal sealed class Ec2InstanceSweeper(Ec2SweepOptions? options) : Ec2Sweeper(options)
{
    public Ec2InstanceSweeper() : this(null) { }

    public override string Kind => Ec2ResourceKinds.Instance;

    protected override async Task SweepAsync(Ec2Session ec2, LedgerResource resource, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> ids = resource.Id.StartsWith("i-", StringComparison.Ordinal)
            ? [resource.Id]
            : await Ec2Cleanup.FindInstancesByClientTokenAsync(ec2, ec2.Region, resource.Data.GetValueOrDefault(Ec2ResourceKinds.ClientTokenKey) ?? resource.Id, cancellationToken);
        await Ec2Cleanup.TerminateInstancesAsync(ec2, ec2.Region, ids, Options.InstanceTerminated, cancellationToken);
    }
}

internal sealed class Ec2SecurityGroupSweeper(Ec2SweepOptions? options) : Ec2Sweeper(options)
{
    public Ec2SecurityGroupSweeper() : this(null) { }

    public override string Kind => Ec2ResourceKinds.SecurityGroup;

    protected override async Task SweepAsync(Ec2Session ec2, LedgerResource resource, CancellationToken cancellationToken)
    {
        var id = resource.Id;
        if (!id.StartsWith("sg-", StringComparison.Ordinal))
        {
            var filters = new List<global::Amazon.EC2.Model.Filter> { new("group-name", [resource.Data.GetValueOrDefault(Ec2ResourceKinds.NameKey) ?? id]) };
            if (resource.Data.GetValueOrDefault(Ec2ResourceKinds.VpcKey) is { } vpc)
            {
                filters.Add(new("vpc-id", [vpc]));
            }

            var found = await ec2.CallAsync("DescribeSecurityGroups", (c, t) => c.DescribeSecurityGroupsAsync(new() { Filters = filters }, t), cancellationToken);
            id = found.SecurityGroups?.FirstOrDefault()?.GroupId;
            if (id is null)
            {
                return;
            }
        }

        // A sweep may reach the group before the instance that uses it (ledgers are swept in the order they were
        // written): that instance is the same dead run's, so it goes first, or the delete could never succeed.
        if (ec2.RunId.Length > 0)
        {
            var users = await ec2.CallAsync("DescribeInstances", (c, t) => c.DescribeInstancesAsync(new()
            {
                Filters =
                [
                    new("instance.group-id", [id]),
                    new($"tag:{Ec2ResourceKinds.RunTag}", [ec2.RunId]),
                    new("instance-state-name", ["pending", "running", "stopping", "stopped", "shutting-down"]),
                ],
            }, t), cancellationToken);
            var instances = (users.Reservations ?? []).SelectMany(r => r.Instances ?? []).Select(i => i.InstanceId).ToList();
            await Ec2Cleanup.TerminateInstancesAsync(ec2, ec2.Region, instances, Options.InstanceTerminated, cancellationToken);
        }

        await Ec2Cleanup.DeleteSecurityGroupAsync(ec2, ec2.Region, id, Options.SecurityGroupDelete, Options.PollInterval, cancellationToken);
    }
}

internal sealed class Ec2KeyPairSweeper(Ec2SweepOptions? options) : Ec2Sweeper(options)
{
    public Ec2KeyPairSweeper() : this(null) { }

    public override string Kind => Ec2ResourceKinds.KeyPair;

    protected override Task SweepAsync(Ec2Session ec2, LedgerResource resource, CancellationToken cancellationToken) =>
        Ec2Cleanup.DeleteKeyPairAsync(ec2, ec2.Region, resource.Id, cancellationToken);
}

internal sealed class Ec2ImageSweeper(Ec2SweepOptions? options) : Ec2Sweeper(options)
{
    public Ec2ImageSweeper() : this(null) { }

    public override string Kind => Ec2ResourceKinds.Image;

    protected override async Task SweepAsync(Ec2Session ec2, LedgerResource resource, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        if (resource.Id.StartsWith("ami-", StringComparison.Ordinal))
        {
            ids.Add(resource.Id);
        }
        else if (ec2.RunId.Length > 0)
        {
            // CreateImage's answer never came: the run tag and the name find it (never the name alone).
            var found = await ec2.CallAsync("DescribeImages", (c, t) => c.DescribeImagesAsync(new()
            {
                Owners = ["self"],
                Filters =
                [
                    new("name", [resource.Data.GetValueOrDefault(Ec2ResourceKinds.NameKey) ?? resource.Id]),
                    new($"tag:{Ec2ResourceKinds.RunTag}", [ec2.RunId]),
                ],
            }, t), cancellationToken);
            ids.AddRange((found.Images ?? []).Select(i => i.ImageId));
        }

        foreach (var id in ids)
        {
            await Ec2Cleanup.RemoveImageAsync(ec2, ec2.Region, id, cancellationToken);
        }
    }
}

internal sealed class Ec2SnapshotSweeper(Ec2SweepOptions? options) : Ec2Sweeper(options)
{
    public Ec2SnapshotSweeper() : this(null) { }

    public override string Kind => Ec2ResourceKinds.Snapshot;

    protected override Task SweepAsync(Ec2Session ec2, LedgerResource resource, CancellationToken cancellationToken) =>
        Ec2Cleanup.DeleteSnapshotAsync(ec2, ec2.Region, resource.Id, cancellationToken);
}
