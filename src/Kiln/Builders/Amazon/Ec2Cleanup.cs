using Amazon.EC2;
using Amazon.EC2.Model;
using Kiln.Model;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Kiln.Builders.Amazon;

/// <summary>
/// Removal of each kind of EC2 resource, shared by the steps' cleanups and the sweepers. Every method is
/// idempotent: a resource that is already gone counts as removed.
/// </summary>
internal static class Ec2Cleanup
{
    public static async Task TerminateInstancesAsync(Ec2Session ec2, string region, IReadOnlyList<string> instanceIds, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (instanceIds.Count == 0)
        {
            return;
        }

        try
        {
            await ec2.CallAsync(region, "TerminateInstances", (c, t) => c.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [.. instanceIds] }, t), cancellationToken);
        }
        catch (Ec2CallException ex) when (ex.IsNotFound)
        {
            return;
        }

        var what = instanceIds.Count == 1 ? $"instance {instanceIds[0]} to terminate" : $"instances {string.Join(", ", instanceIds)} to terminate";
        await ec2.Waiter.UntilAsync(what, timeout, "instance_terminated", async token =>
        {
            var states = await DescribeInstanceStatesAsync(ec2, region, instanceIds, token);
            var remaining = states.Where(s => s.Value != InstanceStateName.Terminated).ToList();
            return new Ec2Waiter.Observation(remaining.Count == 0, remaining.Count == 0 ? "terminated" : string.Join(", ", remaining.Select(s => $"{s.Key} {s.Value}")));
        }, cancellationToken);
    }

    /// <summary>Instances that carry a RunInstances client token (a launch whose answer never arrived).</summary>
    public static async Task<IReadOnlyList<string>> FindInstancesByClientTokenAsync(Ec2Session ec2, string region, string clientToken, CancellationToken cancellationToken)
    {
        var response = await ec2.CallAsync(region, "DescribeInstances", (c, t) => c.DescribeInstancesAsync(new DescribeInstancesRequest
        {
            Filters = [new Filter("client-token", [clientToken])],
        }, t), cancellationToken);
        return [.. (response.Reservations ?? []).SelectMany(r => r.Instances ?? []).Where(i => i.State?.Name != InstanceStateName.Terminated).Select(i => i.InstanceId)];
    }

    public static async Task<Dictionary<string, InstanceStateName>> DescribeInstanceStatesAsync(Ec2Session ec2, string region, IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        try
        {
            var response = await ec2.CallAsync(region, "DescribeInstances", (c, t) => c.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [.. instanceIds] }, t), cancellationToken);
            return (response.Reservations ?? []).SelectMany(r => r.Instances ?? []).ToDictionary(i => i.InstanceId, i => i.State.Name, StringComparer.Ordinal);
        }
        catch (Ec2CallException ex) when (ex.IsNotFound)
        {
            return [];
        }
    }

    /// <summary>
    /// Deletes a security group, retrying DependencyViolation with backoff: EC2 refuses while the terminated
    /// instance's network interface still exists, which outlives the instance by a while (Packer's leak, #7601).
    /// </summary>
    public static async Task DeleteSecurityGroupAsync(Ec2Session ec2, string region, string groupId, TimeSpan timeout, TimeSpan interval, CancellationToken cancellationToken)
    {
        // The timeout comes first so it bounds the whole retry loop, not each attempt.
        var pipeline = new ResiliencePipelineBuilder()
            .AddTimeout(timeout)
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Ec2CallException>(e => e.ErrorCode == "DependencyViolation"),
                BackoffType = DelayBackoffType.Exponential,
                Delay = interval,
                MaxDelay = TimeSpan.FromSeconds(15),
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    ec2.Waiter.Log.Info($"security group {groupId} is still in use; retrying its deletion in {args.RetryDelay.TotalSeconds:0.#}s");
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        try
        {
            await pipeline.ExecuteAsync(async token =>
                await ec2.CallAsync(region, "DeleteSecurityGroup", (c, t) => c.DeleteSecurityGroupAsync(new DeleteSecurityGroupRequest { GroupId = groupId }, t), token),
                cancellationToken);
        }
        catch (Ec2CallException ex) when (ex.IsNotFound)
        {
        }
        catch (TimeoutRejectedException ex)
        {
            throw new Ec2CallException(
                $"Security group {groupId} in {region} was still in use after {Durations.Format(timeout)}; it is kept in the ledger.",
                "DependencyViolation",
                "An instance or network interface still uses it; the next sweep (SweepImages) removes it, or delete it in the EC2 console.",
                ex);
        }
    }

    public static async Task DeleteKeyPairAsync(Ec2Session ec2, string region, string keyName, CancellationToken cancellationToken)
    {
        try
        {
            await ec2.CallAsync(region, "DeleteKeyPair", (c, t) => c.DeleteKeyPairAsync(new DeleteKeyPairRequest { KeyName = keyName }, t), cancellationToken);
        }
        catch (Ec2CallException ex) when (ex.IsNotFound)
        {
        }
    }

    /// <summary>Deregisters an AMI and deletes its snapshots; returns the snapshot ids it removed.</summary>
    public static async Task<IReadOnlyList<string>> RemoveImageAsync(Ec2Session ec2, string region, string imageId, CancellationToken cancellationToken)
    {
        var image = await DescribeImageAsync(ec2, region, imageId, cancellationToken);
        if (image is null)
        {
            return [];
        }

        var snapshots = SnapshotsOf(image);
        try
        {
            await ec2.CallAsync(region, "DeregisterImage", (c, t) => c.DeregisterImageAsync(new DeregisterImageRequest { ImageId = imageId }, t), cancellationToken);
        }
        catch (Ec2CallException ex) when (ex.IsNotFound)
        {
        }

        foreach (var snapshot in snapshots)
        {
            await DeleteSnapshotAsync(ec2, region, snapshot, cancellationToken);
        }

        return snapshots;
    }

    public static async Task DeleteSnapshotAsync(Ec2Session ec2, string region, string snapshotId, CancellationToken cancellationToken)
    {
        try
        {
            await ec2.CallAsync(region, "DeleteSnapshot", (c, t) => c.DeleteSnapshotAsync(new DeleteSnapshotRequest { SnapshotId = snapshotId }, t), cancellationToken);
        }
        catch (Ec2CallException ex) when (ex.IsNotFound)
        {
        }
    }

    public static async Task<Image?> DescribeImageAsync(Ec2Session ec2, string region, string imageId, CancellationToken cancellationToken)
    {
        try
        {
            var response = await ec2.CallAsync(region, "DescribeImages", (c, t) => c.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [imageId] }, t), cancellationToken);
            return response.Images?.FirstOrDefault();
        }
        catch (Ec2CallException ex) when (ex.IsNotFound || ex.ErrorCode == "InvalidAMIID.Unavailable")
        {
            return null;
        }
    }

    public static IReadOnlyList<string> SnapshotsOf(Image image) =>
        [.. (image.BlockDeviceMappings ?? []).Select(m => m.Ebs?.SnapshotId).OfType<string>()];
}
