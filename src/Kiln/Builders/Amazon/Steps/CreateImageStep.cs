using Amazon.EC2;
using Amazon.EC2.Model;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Amazon.Steps;

/// <summary>
/// Creates the AMI from the stopped instance (replacing a same-named one when force_deregister) and waits until
/// it is available. Until the build commits its artifact, cleanup deregisters the AMI and deletes its snapshots.
/// </summary>
internal sealed class CreateImageStep : IStep<AmazonEbsState>
{
    private readonly List<ILedgerEntry> _entries = [];

    public string Name => "create the AMI";

    public Stage Stage => Stage.Capture;

    public async Task RunAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        var config = state.Config;
        var ec2 = state.Ec2;
        var context = state.Context;
        if (config.ForceDeregister)
        {
            await ForceDeregisterAsync(state, cancellationToken);
        }

        var entry = await context.Ledger.RecordAsync(ec2.Resource(Ec2ResourceKinds.Image, config.AmiName, null, (Ec2ResourceKinds.NameKey, config.AmiName)), cancellationToken);
        _entries.Add(entry);
        var created = await ec2.CallAsync("CreateImage", (c, t) => c.CreateImageAsync(new CreateImageRequest
        {
            InstanceId = state.Instance!.InstanceId,
            Name = config.AmiName,
            Description = config.AmiDescription,
            TagSpecifications =
            [
                ec2.TagSpecification(ResourceType.Image, ec2.Tags(config.Tags)),
                ec2.TagSpecification(ResourceType.Snapshot, ec2.Tags(config.SnapshotTags)),
            ],
        }, t), cancellationToken);
        var imageId = created.ImageId;
        await entry.UpdateAsync(ec2.Resource(Ec2ResourceKinds.Image, imageId, null, (Ec2ResourceKinds.NameKey, config.AmiName)), cancellationToken);
        state.Images[ec2.Region] = imageId;
        context.Log.Info($"creating AMI {imageId} '{config.AmiName}' in {ec2.Region}");

        var image = await WaitAvailableAsync(state, ec2.Region, imageId, cancellationToken);
        var snapshots = Ec2Cleanup.SnapshotsOf(image);
        state.Snapshots[ec2.Region] = snapshots;
        foreach (var snapshot in snapshots)
        {
            _entries.Add(await context.Ledger.RecordAsync(ec2.Resource(Ec2ResourceKinds.Snapshot, snapshot), cancellationToken));
        }
    }

    public async Task CleanupAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        if (!state.ImagesCommitted && state.Ec2Session is { } ec2 && _entries.Count > 0)
        {
            var imageEntry = _entries[0];
            var imageId = imageEntry.Resource.Id.StartsWith("ami-", StringComparison.Ordinal)
                ? imageEntry.Resource.Id
                : await FindByNameAsync(ec2, ec2.Region, state.Config.AmiName, cancellationToken);
            if (imageId is not null)
            {
                var removed = await Ec2Cleanup.RemoveImageAsync(ec2, ec2.Region, imageId, cancellationToken);
                state.Context.Log.Info($"deregistered unfinished AMI {imageId} in {ec2.Region} and deleted {removed.Count} snapshot(s)");
            }

            foreach (var snapshot in _entries.Skip(1))
            {
                await Ec2Cleanup.DeleteSnapshotAsync(ec2, ec2.Region, snapshot.Resource.Id, cancellationToken);
            }

            state.Images.Remove(ec2.Region);
            state.Snapshots.Remove(ec2.Region);
        }

        // Committed AMIs are the build's result, not temporaries: their records go either way.
        foreach (var entry in _entries)
        {
            await entry.ReleaseAsync(cancellationToken);
        }

        _entries.Clear();
    }

    internal static async Task<Image> WaitAvailableAsync(AmazonEbsState state, string region, string imageId, CancellationToken cancellationToken)
    {
        var ec2 = state.Ec2;
        Image? image = null;
        await ec2.Waiter.UntilAsync($"AMI {imageId} in {region} to become available", state.Config.Waits.ImageAvailable, "image_available", async token =>
        {
            image = await Ec2Cleanup.DescribeImageAsync(ec2, region, imageId, token);
            if (image?.State == ImageState.Failed || image?.State == ImageState.Invalid || image?.State == ImageState.Error)
            {
                throw new KilnException($"AMI {imageId} in {region} failed: {image.StateReason?.Message ?? image.State.Value}.");
            }

            return new Ec2Waiter.Observation(image?.State == ImageState.Available, image?.State?.Value ?? "not visible yet");
        }, cancellationToken);
        return image!;
    }

    internal static async Task<string?> FindByNameAsync(Ec2Session ec2, string region, string name, CancellationToken cancellationToken)
    {
        var response = await ec2.CallAsync(region, "DescribeImages", (c, t) => c.DescribeImagesAsync(new DescribeImagesRequest
        {
            Owners = ["self"],
            Filters = [new Filter("name", [name]), new Filter($"tag:{Ec2ResourceKinds.RunTag}", [ec2.RunId])],
        }, t), cancellationToken);
        return response.Images?.FirstOrDefault()?.ImageId;
    }

    private static async Task ForceDeregisterAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        var ec2 = state.Ec2;
        foreach (var region in ValidateAwsStep.TargetRegions(state))
        {
            var existing = await ec2.CallAsync(region, "DescribeImages", (c, t) => c.DescribeImagesAsync(new DescribeImagesRequest
            {
                Owners = ["self"],
                Filters = [new Filter("name", [state.Config.AmiName])],
            }, t), cancellationToken);
            foreach (var image in existing.Images ?? [])
            {
                var removed = await Ec2Cleanup.RemoveImageAsync(ec2, region, image.ImageId, cancellationToken);
                state.Context.Log.Warn($"force_deregister: deregistered {image.ImageId} '{image.Name}' in {region} and deleted {removed.Count} snapshot(s)");
            }
        }
    }
}
