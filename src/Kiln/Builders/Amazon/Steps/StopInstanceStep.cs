using Amazon.EC2;
using Amazon.EC2.Model;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Amazon.Steps;

/// <summary>Stops the provisioned instance so its volumes are consistent when imaged, and marks ENA support on it.</summary>
internal sealed class StopInstanceStep : IStep<AmazonEbsState>
{
    public string Name => "stop the build instance";

    public Stage Stage => Stage.Capture;

    public async Task RunAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        var ec2 = state.Ec2;
        var instanceId = state.Instance!.InstanceId;
        await ec2.CallAsync("StopInstances", (c, t) => c.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [instanceId] }, t), cancellationToken);
        await ec2.Waiter.UntilAsync($"instance {instanceId} to stop", state.Config.Waits.InstanceStopped, "instance_stopped", async token =>
        {
            var states = await Ec2Cleanup.DescribeInstanceStatesAsync(ec2, ec2.Region, [instanceId], token);
            var current = states.GetValueOrDefault(instanceId);
            return new Ec2Waiter.Observation(current == InstanceStateName.Stopped, current?.Value ?? "not visible");
        }, cancellationToken);

        if (state.Config.EnaSupport)
        {
            await ec2.CallAsync("ModifyInstanceAttribute", (c, t) => c.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest
            {
                InstanceId = instanceId,
                EnaSupport = true,
            }, t), cancellationToken);
        }
    }

    public Task CleanupAsync(AmazonEbsState state, CancellationToken cancellationToken) => Task.CompletedTask;
}
