using Amazon.EC2;
using Amazon.EC2.Model;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Amazon.Steps;

/// <summary>
/// Copies the AMI to every ami_regions entry in parallel, tags each copy and its snapshots, then grants launch
/// permission to ami_users and ami_groups in every region. Uncommitted copies are removed at cleanup.
/// </summary>
internal sealed class CopyImageStep : IStep<AmazonEbsState>
{
    private readonly List<(string Region, ILedgerEntry Entry)> _entries = [];
    private readonly Lock _gate = new();

    public string Name => "copy and share the AMI";

    public Stage Stage => Stage.Capture;

    public async Task RunAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        var ec2 = state.Ec2;
        var targets = state.Config.AmiRegions.Where(r => r != ec2.Region).Distinct(StringComparer.Ordinal).ToList();
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var copies = targets.Select(async region =>
        {
            try
            {
                await CopyAsync(state, region, failFast.Token);
            }
            catch
            {
                await failFast.CancelAsync();
                throw;
            }
        }).ToList();
        try
        {
            await Task.WhenAll(copies);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A sibling copy failed and cancelled this one: report the copy that failed, not the cancellation.
            var failed = copies.First(c => c.IsFaulted);
            await failed;
        }

        await ShareAsync(state, cancellationToken);
    }

    public async Task CleanupAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        if (!state.ImagesCommitted && state.Ec2Session is { } ec2)
        {
            foreach (var (region, entry) in _entries.Where(e => e.Entry.Resource.Kind == Ec2ResourceKinds.Image))
            {
                var imageId = entry.Resource.Id.StartsWith("ami-", StringComparison.Ordinal)
                    ? entry.Resource.Id
                    : await CreateImageStep.FindByNameAsync(ec2, region, state.Config.AmiName, cancellationToken);
                if (imageId is not null)
                {
                    var removed = await Ec2Cleanup.RemoveImageAsync(ec2, region, imageId, cancellationToken);
                    state.Context.Log.Info($"deregistered unfinished copy {imageId} in {region} and deleted {removed.Count} snapshot(s)");
                }

                state.Images.Remove(region);
                state.Snapshots.Remove(region);
            }

            foreach (var (region, entry) in _entries.Where(e => e.Entry.Resource.Kind == Ec2ResourceKinds.Snapshot))
            {
                await Ec2Cleanup.DeleteSnapshotAsync(ec2, region, entry.Resource.Id, cancellationToken);
            }
        }

        foreach (var (_, entry) in _entries)
        {
            await entry.ReleaseAsync(cancellationToken);
        }

        _entries.Clear();
    }

    private async Task CopyAsync(AmazonEbsState state, string region, CancellationToken cancellationToken)
    {
        var config = state.Config;
        var ec2 = state.Ec2;
        var context = state.Context;
        var location = ec2.Home.InRegion(region);
        var sourceId = state.Images[ec2.Region];
        var entry = await context.Ledger.RecordAsync(ec2.Resource(Ec2ResourceKinds.Image, config.AmiName, location, (Ec2ResourceKinds.NameKey, config.AmiName)), cancellationToken);
        Track(region, entry);
        var copied = await ec2.CallAsync(region, "CopyImage", (c, t) => c.CopyImageAsync(new CopyImageRequest
        {
            SourceRegion = ec2.Region,
            SourceImageId = sourceId,
            Name = config.AmiName,
            Description = config.AmiDescription,
            Encrypted = config.EncryptBoot ? true : null,
            ClientToken = $"{context.RunId}-{region}",
            // Tagged at creation, so a copy whose answer is lost is still found by its run tag.
            TagSpecifications =
            [
                ec2.TagSpecification(ResourceType.Image, ec2.Tags(config.Tags)),
                ec2.TagSpecification(ResourceType.Snapshot, ec2.Tags(config.SnapshotTags)),
            ],
        }, t), cancellationToken);
        await entry.UpdateAsync(ec2.Resource(Ec2ResourceKinds.Image, copied.ImageId, location, (Ec2ResourceKinds.NameKey, config.AmiName)), cancellationToken);
        lock (_gate)
        {
            state.Images[region] = copied.ImageId;
        }

        context.Log.Info($"copying {sourceId} to {region} as {copied.ImageId}");
        var image = await CreateImageStep.WaitAvailableAsync(state, region, copied.ImageId, cancellationToken);
        var snapshots = Ec2Cleanup.SnapshotsOf(image);
        foreach (var snapshot in snapshots)
        {
            Track(region, await context.Ledger.RecordAsync(ec2.Resource(Ec2ResourceKinds.Snapshot, snapshot, location), cancellationToken));
        }

        lock (_gate)
        {
            state.Snapshots[region] = snapshots;
        }

    }

    private static async Task ShareAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        var config = state.Config;
        if (config.AmiUsers.Count == 0 && config.AmiGroups.Count == 0)
        {
            return;
        }

        var ec2 = state.Ec2;
        var permissions = config.AmiUsers.Select(u => new LaunchPermission { UserId = u })
            .Concat(config.AmiGroups.Select(g => new LaunchPermission { Group = new PermissionGroup(g) }))
            .ToList();
        await Task.WhenAll(state.Images.ToList().Select(image =>
            ec2.CallAsync(image.Key, "ModifyImageAttribute", (c, t) => c.ModifyImageAttributeAsync(new ModifyImageAttributeRequest
            {
                ImageId = image.Value,
                LaunchPermission = new LaunchPermissionModifications { Add = permissions },
            }, t), cancellationToken)));
        state.Context.Log.Info($"shared {string.Join(", ", state.Images.Values)} with {string.Join(", ", config.AmiUsers.Concat(config.AmiGroups))}");
    }

    private void Track(string region, ILedgerEntry entry)
    {
        lock (_gate)
        {
            _entries.Add((region, entry));
        }
    }
}
