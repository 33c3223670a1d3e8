using System.Text;
using Amazon.EC2;
using Amazon.EC2.Model;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Amazon.Steps;

/// <summary>
/// Launches the build instance (IMDSv2 required by default, every resource tagged with the run) and waits until
/// it runs. Cleanup terminates it and waits until it is gone, so the security group can be deleted after it;
/// a launch whose answer was lost is found again by its client token. With <c>verify</c> it launches the built AMI instead.
/// </summary>
internal sealed class RunInstanceStep(bool verify = false) : IStep<AmazonEbsState>
{
    private ILedgerEntry? _entry;
    private string? _clientToken;

    public string Name => verify ? "launch the verify instance" : "launch the build instance";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        var config = state.Config;
        var context = state.Context;
        var ec2 = state.Ec2;
        var name = verify ? $"kiln verify {context.BuildName}" : $"kiln {context.BuildName}";
        var imageId = verify ? state.Images[ec2.Region] : state.SourceImage!.ImageId;
        _clientToken = Guid.NewGuid().ToString("N");
        var request = new RunInstancesRequest
        {
            ImageId = imageId,
            InstanceType = config.InstanceType,
            MinCount = 1,
            MaxCount = 1,
            KeyName = state.KeyPairName,
            ClientToken = _clientToken,
            // The verify instance boots the AMI as a user would: with the AMI's own block devices.
            BlockDeviceMappings = verify ? null : BlockDevices(config, state.SourceImage!),
            MetadataOptions = new InstanceMetadataOptionsRequest
            {
                HttpEndpoint = InstanceMetadataEndpointState.Enabled,
                HttpTokens = config.ImdsV2 ? HttpTokensState.Required : HttpTokensState.Optional,
            },
            UserData = await UserDataAsync(config, context, cancellationToken),
            IamInstanceProfile = config.IamInstanceProfile is { } profile ? new IamInstanceProfileSpecification { Name = profile } : null,
            TagSpecifications =
            [
                ec2.TagSpecification(ResourceType.Instance, ec2.Tags(config.RunTags, name)),
                ec2.TagSpecification(ResourceType.Volume, ec2.Tags(config.RunVolumeTags.Count > 0 ? config.RunVolumeTags : config.RunTags, name)),
            ],
        };
        if (config.AssociatePublicIpAddress is { } associate)
        {
            request.NetworkInterfaces =
            [
                new InstanceNetworkInterfaceSpecification
                {
                    DeviceIndex = 0,
                    SubnetId = state.SubnetId,
                    Groups = [.. state.SecurityGroupIds],
                    AssociatePublicIpAddress = associate,
                    DeleteOnTermination = true,
                },
            ];
        }
        else
        {
            request.SubnetId = state.SubnetId;
            request.SecurityGroupIds = [.. state.SecurityGroupIds];
        }

        _entry = await context.Ledger.RecordAsync(ec2.Resource(Ec2ResourceKinds.Instance, _clientToken, null, (Ec2ResourceKinds.ClientTokenKey, _clientToken)), cancellationToken);
        var response = await ec2.CallAsync("RunInstances", (c, t) => c.RunInstancesAsync(request, t), cancellationToken);
        var instanceId = response.Reservation.Instances[0].InstanceId;
        await _entry.UpdateAsync(ec2.Resource(Ec2ResourceKinds.Instance, instanceId, null, (Ec2ResourceKinds.ClientTokenKey, _clientToken)), cancellationToken);
        context.Log.Info($"launched {instanceId} ({config.InstanceType}) from {imageId}");

        Instance? instance = null;
        await ec2.Waiter.UntilAsync($"instance {instanceId} to run", config.Waits.InstanceRunning, "instance_running", async token =>
        {
            instance = await DescribeAsync(ec2, instanceId, token);
            var current = instance?.State?.Name;
            if (current == InstanceStateName.ShuttingDown || current == InstanceStateName.Terminated)
            {
                throw new KilnException(
                    $"Instance {instanceId} went to '{current}' instead of running: {instance!.StateReason?.Message ?? "no reason given"}.",
                    "Check the instance type's availability in this subnet's zone and the source AMI.");
            }

            return new Ec2Waiter.Observation(current == InstanceStateName.Running, current?.Value ?? "not visible yet");
        }, cancellationToken);

        state.Instance = instance;
        (state.SshHost, state.SshPort) = SshAddress(config, instance!);
    }

    public async Task CleanupAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        if (_entry is null || state.Ec2Session is not { } ec2)
        {
            return;
        }

        var id = _entry.Resource.Id;
        IReadOnlyList<string> instances = id.StartsWith("i-", StringComparison.Ordinal)
            ? [id]
            : await Ec2Cleanup.FindInstancesByClientTokenAsync(ec2, ec2.Region, _clientToken!, cancellationToken);
        await Ec2Cleanup.TerminateInstancesAsync(ec2, ec2.Region, instances, state.Config.Waits.InstanceTerminated, cancellationToken);
        await _entry.ReleaseAsync(cancellationToken);
        _entry = null;
        state.Instance = null;
    }

    internal static (string Host, int Port) SshAddress(AmazonEbsSourceConfig config, Instance instance)
    {
        if (config.SshHost is { } host)
        {
            return (host, config.SshPort);
        }

        var address = config.SshInterface switch
        {
            SshInterface.PublicIp => instance.PublicIpAddress,
            SshInterface.PrivateIp => instance.PrivateIpAddress,
            SshInterface.PublicDns => instance.PublicDnsName,
            SshInterface.PrivateDns => instance.PrivateDnsName,
            _ => null,
        };
        return string.IsNullOrEmpty(address)
            ? throw new KilnException(
                $"Instance {instance.InstanceId} has no {config.SshInterface} address to connect to.",
                config.SshInterface == SshInterface.PublicIp
                    ? "Set associate_public_ip_address: true, use a subnet that assigns public IPs, or ssh_interface: private_ip from inside the VPC."
                    : "Choose another ssh_interface.")
            : (address, config.SshPort);
    }

    private static async Task<Instance?> DescribeAsync(Ec2Session ec2, string instanceId, CancellationToken cancellationToken)
    {
        try
        {
            var response = await ec2.CallAsync("DescribeInstances", (c, t) => c.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] }, t), cancellationToken);
            return response.Reservations?.SelectMany(r => r.Instances ?? []).FirstOrDefault();
        }
        catch (Ec2CallException ex) when (ex.IsNotFound)
        {
            // EC2 is eventually consistent: a new instance may not be describable for a moment.
            return null;
        }
    }

    private static List<BlockDeviceMapping>? BlockDevices(AmazonEbsSourceConfig config, Image source)
    {
        var mappings = config.LaunchBlockDeviceMappings.Select(m => new BlockDeviceMapping
        {
            DeviceName = m.DeviceName,
            Ebs = new EbsBlockDevice
            {
                VolumeSize = m.VolumeSize,
                VolumeType = m.VolumeType is null ? null : new VolumeType(m.VolumeType),
                Iops = m.Iops,
                Throughput = m.Throughput,
                DeleteOnTermination = m.DeleteOnTermination,
                Encrypted = m.Encrypted,
                SnapshotId = m.SnapshotId,
            },
        }).ToList();

        if (config.EncryptBoot)
        {
            // An image of an encrypted root volume is an encrypted AMI: no extra copy needed.
            var root = mappings.FirstOrDefault(m => m.DeviceName == source.RootDeviceName);
            if (root is null)
            {
                root = new BlockDeviceMapping { DeviceName = source.RootDeviceName, Ebs = new EbsBlockDevice { DeleteOnTermination = true } };
                mappings.Add(root);
            }

            root.Ebs.Encrypted = true;
            root.Ebs.KmsKeyId = config.KmsKeyId;
        }

        return mappings.Count > 0 ? mappings : null;
    }

    private static async Task<string?> UserDataAsync(AmazonEbsSourceConfig config, BuildContext context, CancellationToken cancellationToken)
    {
        var text = config.UserData;
        if (config.UserDataFile is { } file)
        {
            var path = context.Image.ResolvePath(file);
            if (!File.Exists(path))
            {
                throw new KilnException($"user_data_file {path} does not exist.", "Paths are relative to the definition file.");
            }

            text = await File.ReadAllTextAsync(path, cancellationToken);
        }

        return text is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
    }
}
