using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Kiln.IntegrationTests.Amazon.Fake;

/// <summary>
/// A stateful stand-in for EC2 on 127.0.0.1 speaking the EC2 Query API (form-encoded POSTs, XML answers in EC2's
/// namespace, EC2 error documents), for the actions Kiln calls. The region of each request comes from its SigV4
/// credential scope, as with real EC2 endpoints. Resources change state over time; faults can be injected.
/// </summary>
internal sealed partial class FakeEc2Server : IAsyncDisposable
{
    public const string Account = "123456789012";
    private static readonly XNamespace Ns = "http://ec2.amazonaws.com/doc/2016-11-15/";

    private readonly Lock _gate = new();
    private readonly List<FakeEc2Call> _calls = [];
    private readonly List<FakeEc2Fault> _faults = [];
    private readonly Dictionary<string, FakeResource> _resources = new(StringComparer.Ordinal);
    private FakeHttpServer? _server;
    private int _nextIp = 10;

    public FakeEc2Server(FakeEc2Timing? timing = null)
    {
        Timing = timing ?? new FakeEc2Timing();
        foreach (var (region, index) in Regions.Select((r, i) => (r, i)))
        {
            var vpc = Add(new FakeVpc { Id = $"vpc-{index:x2}00000000000001", Region = region, Cidr = "172.31.0.0/16", IsDefault = true });
            Add(new FakeSubnet { Id = $"subnet-{index:x2}0000000000000a", Region = region, VpcId = vpc.Id, Cidr = "172.31.0.0/20", AvailabilityZone = region + "a", DefaultForAz = true });
            Add(new FakeSubnet { Id = $"subnet-{index:x2}0000000000000b", Region = region, VpcId = vpc.Id, Cidr = "172.31.16.0/20", AvailabilityZone = region + "b", DefaultForAz = true });
        }
    }

    public static IReadOnlyList<string> Regions { get; } = ["us-east-1", "eu-west-1", "eu-central-1"];

    public FakeEc2Timing Timing { get; }

    public string Url { get; private set; } = "";

    /// <summary>Answers GET /checkip with this text when set; 503 otherwise.</summary>
    public string? CheckIpAnswer { get; set; }

    /// <summary>Called with a key pair's public key whenever an instance launches with it (what cloud-init would install).</summary>
    public Action<string>? OnInstanceKey { get; set; }

    public IReadOnlyList<FakeEc2Call> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    public static async Task<FakeEc2Server> StartAsync(FakeEc2Timing? timing = null)
    {
        var server = new FakeEc2Server(timing);
        server._server = await FakeHttpServer.StartAsync(
            app =>
            {
                app.MapPost("/", server.HandleAsync);
                app.MapGet("/checkip", () => server.CheckIpAnswer is { } ip ? Results.Text(ip + "\n") : Results.StatusCode(503));
            },
            CancellationToken.None);
        server.Url = server._server.BaseUrl.TrimEnd('/');
        return server;
    }

    public FakeEc2Fault Inject(FakeEc2Fault fault)
    {
        lock (_gate)
        {
            _faults.Add(fault);
        }

        return fault;
    }

    public IReadOnlyList<T> All<T>(string? region = null)
        where T : FakeResource
    {
        lock (_gate)
        {
            return [.. _resources.Values.OfType<T>().Where(r => region is null || r.Region == region)];
        }
    }

    public string InstanceState(FakeInstance instance)
    {
        lock (_gate)
        {
            return instance.State.At(DateTimeOffset.UtcNow);
        }
    }

    public string ImageState(FakeImage image)
    {
        lock (_gate)
        {
            return image.State.At(DateTimeOffset.UtcNow);
        }
    }

    /// <summary>A key pair the account already has, as a user names in ssh_keypair_name.</summary>
    public void AddKeyPair(string region, string name, string publicKey)
    {
        lock (_gate)
        {
            Add(new FakeKeyPair { Id = NewId("key"), Region = region, Name = name, KeyType = "ed25519", PublicKey = publicKey, Fingerprint = "user" });
        }
    }

    /// <summary>A public, available source AMI with one snapshot, as a distribution would publish it.</summary>
    public string AddSourceImage(string region, string name, string owner = "136693071363", string creationDate = "2026-01-01T00:00:00.000Z")
    {
        lock (_gate)
        {
            var snapshot = Add(new FakeSnapshot { Id = NewId("snap"), Region = region, OwnerId = owner, Size = 8 });
            var image = Add(new FakeImage
            {
                Id = NewId("ami"), Region = region, Name = name, OwnerId = owner, CreationDate = creationDate, RootDeviceName = "/dev/xvda",
                Devices = [("/dev/xvda", snapshot.Id, 8, false)], State = new Transition("available", DateTimeOffset.UtcNow), EnaSupport = true,
            });
            return image.Id;
        }
    }

    public ValueTask DisposeAsync() => _server?.DisposeAsync() ?? ValueTask.CompletedTask;

    private async Task HandleAsync(HttpContext http)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var values = form.ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal);
        var action = values.GetValueOrDefault("Action") ?? "";
        var region = RegionOf(http.Request.Headers.Authorization.ToString());
        var call = new FakeEc2Call(action, region ?? "", values);
        FakeEc2Fault? fault;
        lock (_gate)
        {
            _calls.Add(call);
            fault = _faults.FirstOrDefault(f => f.Times > 0 && f.Action == action && (f.When?.Invoke(call) ?? true) && f.Skip-- <= 0);
            if (fault is not null)
            {
                fault.Times--;
                fault.Fired++;
            }
        }

        try
        {
            if (region is null)
            {
                throw new FakeEc2Error("AuthFailure", "AWS was not able to validate the provided access credentials", HttpStatusCode.Unauthorized);
            }

            if (fault is not null)
            {
                fault.Callback?.Invoke(call);
                if (fault.Delay > TimeSpan.Zero)
                {
                    await Task.Delay(fault.Delay, http.RequestAborted);
                }

                if (fault.ErrorCode is { } code)
                {
                    throw new FakeEc2Error(code, fault.ErrorMessage, fault.Status);
                }
            }

            XElement[] body;
            lock (_gate)
            {
                body = Dispatch(action, region, new QueryForm(values), DateTimeOffset.UtcNow);
            }

            if (fault?.CallbackAfter is { } after)
            {
                // The state changed but the answer may never arrive: what a client sees when cancelled mid-call.
                after(call);
                await Task.Delay(TimeSpan.FromMilliseconds(50), http.RequestAborted);
            }

            var document = new XElement(Ns + $"{action}Response", new XElement(Ns + "requestId", Guid.NewGuid()), body);
            http.Response.ContentType = "text/xml;charset=UTF-8";
            await http.Response.WriteAsync(document.ToString(SaveOptions.DisableFormatting), http.RequestAborted);
        }
        catch (FakeEc2Error error)
        {
            http.Response.StatusCode = (int)error.Status;
            http.Response.ContentType = "text/xml;charset=UTF-8";
            var document = new XElement("Response",
                new XElement("Errors", new XElement("Error", new XElement("Code", error.Code), new XElement("Message", error.Message))),
                new XElement("RequestID", Guid.NewGuid()));
            await http.Response.WriteAsync("<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + document.ToString(SaveOptions.DisableFormatting), http.RequestAborted);
        }
    }

    private static string? RegionOf(string authorization)
    {
        var match = CredentialScope().Match(authorization);
        return match.Success && Regions.Contains(match.Groups[1].Value) ? match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"Credential=[^/]+/\d{8}/([a-z0-9-]+)/ec2/aws4_request")]
    private static partial Regex CredentialScope();

    private XElement[] Dispatch(string action, string region, QueryForm form, DateTimeOffset now) => action switch
    {
        "DescribeRegions" => [Set("regionInfo", Regions.Select(r => Item(E("regionName", r), E("regionEndpoint", $"ec2.{r}.amazonaws.com"), E("optInStatus", "opt-in-not-required"))))],
        "DescribeImages" => DescribeImages(region, form, now),
        "DescribeVpcs" => [Set("vpcSet", Find<FakeVpc>(region, form.List("VpcId"), form, now, "InvalidVpcID.NotFound").Select(VpcXml))],
        "DescribeSubnets" => [Set("subnetSet", Find<FakeSubnet>(region, form.List("SubnetId"), form, now, "InvalidSubnetID.NotFound").Select(SubnetXml))],
        "DescribeKeyPairs" => [Set("keySet", Find<FakeKeyPair>(region, [], form, now, "InvalidKeyPair.NotFound")
            .Where(k => form.List("KeyName") is var names && (names.Count == 0 || names.Contains(k.Name)))
            .Select(k => Item(E("keyPairId", k.Id), E("keyName", k.Name), E("keyFingerprint", k.Fingerprint), E("keyType", k.KeyType), TagSet(k))))],
        "ImportKeyPair" => ImportKeyPair(region, form),
        "DeleteKeyPair" => DeleteKeyPair(region, form),
        "CreateSecurityGroup" => CreateSecurityGroup(region, form),
        "AuthorizeSecurityGroupIngress" => Authorize(region, form),
        "DescribeSecurityGroups" => [Set("securityGroupInfo", Find<FakeSecurityGroup>(region, form.List("GroupId"), form, now, "InvalidGroup.NotFound")
            .Where(g => form.List("GroupName") is var names && (names.Count == 0 || names.Contains(g.Name)))
            .Select(SecurityGroupXml))],
        "DeleteSecurityGroup" => DeleteSecurityGroup(region, form, now),
        "RunInstances" => RunInstances(region, form, now),
        "DescribeInstances" => [Set("reservationSet", Find<FakeInstance>(region, form.List("InstanceId"), form, now, "InvalidInstanceID.NotFound")
            .Select(i => Item(E("reservationId", "r-" + i.Id[2..]), E("ownerId", Account), Set("instancesSet", [InstanceXml(i, now)]))))],
        "StopInstances" => ChangeInstances(region, form, now, "stopping", "stopped", Timing.InstanceStopping),
        "TerminateInstances" => ChangeInstances(region, form, now, "shutting-down", "terminated", Timing.InstanceShuttingDown),
        "ModifyInstanceAttribute" => ModifyInstanceAttribute(region, form),
        "CreateImage" => CreateImage(region, form, now),
        "CopyImage" => CopyImage(region, form, now),
        "DeregisterImage" => DeregisterImage(region, form),
        "ModifyImageAttribute" => ModifyImageAttribute(region, form),
        "DescribeSnapshots" => [Set("snapshotSet", Find<FakeSnapshot>(region, form.List("SnapshotId"), form, now, "InvalidSnapshot.NotFound")
            .Where(s => OwnerMatches(s.OwnerId, form.List("Owner")))
            .Select(s => Item(E("snapshotId", s.Id), E("volumeId", "vol-ffffffff"), E("status", "completed"), E("startTime", "2026-01-01T00:00:00.000Z"),
                E("progress", "100%"), E("ownerId", s.OwnerId), E("volumeSize", s.Size), E("description", s.Description ?? ""), E("encrypted", s.Encrypted), TagSet(s))))],
        "DeleteSnapshot" => DeleteSnapshot(region, form, now),
        "CreateTags" => CreateTags(region, form),
        _ => throw new FakeEc2Error("InvalidAction", $"The action {action} is not valid for this web service."),
    };

    private XElement[] DescribeImages(string region, QueryForm form, DateTimeOffset now)
    {
        var owners = form.List("Owner");
        var images = Find<FakeImage>(region, form.List("ImageId"), form, now, "InvalidAMIID.NotFound")
            .Where(i => OwnerMatches(i.OwnerId, owners));
        return [Set("imagesSet", images.Select(i => ImageXml(i, now)))];
    }

    private static bool OwnerMatches(string owner, List<string> owners) =>
        owners.Count == 0 || owners.Any(o => o == owner || (o == "self" && owner == Account));

    private XElement[] ImportKeyPair(string region, QueryForm form)
    {
        var name = form.Required("KeyName");
        string publicKey;
        try
        {
            publicKey = Encoding.ASCII.GetString(Convert.FromBase64String(form.Required("PublicKeyMaterial"))).Trim();
        }
        catch (FormatException)
        {
            throw new FakeEc2Error("InvalidKeyPair.Format", "Key is not in valid OpenSSH public key format");
        }

        var fields = publicKey.Split(' ');
        if (fields.Length < 2 || fields[0] is not ("ssh-ed25519" or "ssh-rsa" or "ecdsa-sha2-nistp256"))
        {
            throw new FakeEc2Error("InvalidKeyPair.Format", "Key is not in valid OpenSSH public key format");
        }

        if (_resources.Values.OfType<FakeKeyPair>().Any(k => k.Region == region && k.Name == name))
        {
            throw new FakeEc2Error("InvalidKeyPair.Duplicate", $"The keypair '{name}' already exists.");
        }

        var key = Add(new FakeKeyPair
        {
            Id = NewId("key"), Region = region, Name = name, KeyType = fields[0] == "ssh-rsa" ? "rsa" : "ed25519", PublicKey = publicKey,
            Fingerprint = Convert.ToHexString(SHA256.HashData(Convert.FromBase64String(fields[1]))).ToLowerInvariant(),
        });
        Tag(key, form.TagsFor("key-pair"));
        return [E("keyFingerprint", key.Fingerprint), E("keyName", name), E("keyPairId", key.Id), TagSet(key)];
    }

    private XElement[] DeleteKeyPair(string region, QueryForm form)
    {
        var key = _resources.Values.OfType<FakeKeyPair>().FirstOrDefault(k => k.Region == region && (k.Name == form["KeyName"] || k.Id == form["KeyPairId"]));
        if (key is not null)
        {
            _resources.Remove(key.Id);
        }

        return [E("return", true)];
    }

    private XElement[] CreateSecurityGroup(string region, QueryForm form)
    {
        var name = form.Required("GroupName");
        var vpc = form["VpcId"] ?? _resources.Values.OfType<FakeVpc>().Single(v => v.Region == region && v.IsDefault).Id;
        if (!_resources.ContainsKey(vpc))
        {
            throw new FakeEc2Error("InvalidVpcID.NotFound", $"The vpc ID '{vpc}' does not exist");
        }

        if (_resources.Values.OfType<FakeSecurityGroup>().Any(g => g.Region == region && g.VpcId == vpc && g.Name == name))
        {
            throw new FakeEc2Error("InvalidGroup.Duplicate", $"The security group '{name}' already exists for VPC '{vpc}'");
        }

        var group = Add(new FakeSecurityGroup { Id = NewId("sg"), Region = region, Name = name, Description = form.Required("GroupDescription"), VpcId = vpc });
        Tag(group, form.TagsFor("security-group"));
        return [E("return", true), E("groupId", group.Id), TagSet(group)];
    }

    private XElement[] Authorize(string region, QueryForm form)
    {
        var group = Get<FakeSecurityGroup>(region, form.Required("GroupId"), "InvalidGroup.NotFound");
        foreach (var permission in form.Members("IpPermissions"))
        {
            group.Ingress.Add((permission.Required("IpProtocol"), permission.Int("FromPort") ?? -1, permission.Int("ToPort") ?? -1,
                [.. permission.Members("IpRanges").Select(r => r.Required("CidrIp"))]));
        }

        return [E("return", true)];
    }

    private XElement[] DeleteSecurityGroup(string region, QueryForm form, DateTimeOffset now)
    {
        var group = Get<FakeSecurityGroup>(region, form.Required("GroupId"), "InvalidGroup.NotFound");
        var user = _resources.Values.OfType<FakeInstance>().FirstOrDefault(i => i.SecurityGroupIds.Contains(group.Id) &&
            (i.State.At(now) != "terminated" || now - i.State.Since < Timing.NetworkInterfaceLinger));
        if (user is not null)
        {
            throw new FakeEc2Error("DependencyViolation", $"resource {group.Id} has a dependent object");
        }

        _resources.Remove(group.Id);
        return [E("return", true), E("groupId", group.Id)];
    }

    private XElement[] RunInstances(string region, QueryForm form, DateTimeOffset now)
    {
        var token = form["ClientToken"] ?? Guid.NewGuid().ToString();
        var existing = _resources.Values.OfType<FakeInstance>().FirstOrDefault(i => i.Region == region && i.ClientToken == token);
        if (existing is null)
        {
            var image = Get<FakeImage>(region, form.Required("ImageId"), "InvalidAMIID.NotFound");
            var keyName = form["KeyName"];
            var key = keyName is null ? null : _resources.Values.OfType<FakeKeyPair>().FirstOrDefault(k => k.Region == region && k.Name == keyName)
                ?? throw new FakeEc2Error("InvalidKeyPair.NotFound", $"The key pair '{keyName}' does not exist");
            var nic = form.Members("NetworkInterface").FirstOrDefault();
            var subnet = Get<FakeSubnet>(region, nic?["SubnetId"] ?? form.Required("SubnetId"), "InvalidSubnetID.NotFound");
            var groups = nic?.List("SecurityGroupId") ?? form.List("SecurityGroupId");
            foreach (var group in groups)
            {
                Get<FakeSecurityGroup>(region, group, "InvalidGroup.NotFound");
            }

            var mappings = form.Members("BlockDeviceMapping");
            var volumes = image.Devices.Select(d =>
            {
                var over = mappings.FirstOrDefault(m => m["DeviceName"] == d.Device)?.Member("Ebs");
                return (d.Device, NewId("vol"), over?.Int("VolumeSize") ?? d.Size, over?.Bool("Encrypted") ?? d.Encrypted);
            }).ToList();
            volumes.AddRange(mappings.Where(m => image.Devices.All(d => d.Device != m["DeviceName"]))
                .Select(m => (m.Required("DeviceName"), NewId("vol"), m.Member("Ebs").Int("VolumeSize") ?? 8, m.Member("Ebs").Bool("Encrypted") ?? false)));
            var ip = Interlocked.Increment(ref _nextIp);
            existing = Add(new FakeInstance
            {
                Id = NewId("i"), Region = region, ImageId = image.Id, InstanceType = form.Required("InstanceType"), KeyName = keyName,
                SubnetId = subnet.Id, VpcId = subnet.VpcId, SecurityGroupIds = groups, ClientToken = token,
                PrivateIp = $"172.31.0.{ip}", PublicIp = nic?.Bool("AssociatePublicIpAddress") == false ? null : $"203.0.113.{ip}",
                HttpTokens = form["MetadataOptions.HttpTokens"] ?? "optional", RootDeviceName = image.RootDeviceName, Volumes = volumes,
                State = new Transition("pending", now, "running", Timing.InstancePending),
            });
            Tag(existing, form.TagsFor("instance"));
            if (key is not null)
            {
                OnInstanceKey?.Invoke(key.PublicKey);
            }
        }

        return [E("reservationId", "r-" + existing.Id[2..]), E("ownerId", Account), Set("groupSet", []), Set("instancesSet", [InstanceXml(existing, now)])];
    }

    private XElement[] ChangeInstances(string region, QueryForm form, DateTimeOffset now, string to, string then, TimeSpan after)
    {
        var instances = form.List("InstanceId").Select(id => Get<FakeInstance>(region, id, "InvalidInstanceID.NotFound")).ToList();
        var items = new List<XElement>();
        foreach (var instance in instances)
        {
            var previous = instance.State.At(now);
            if (previous is not "terminated" && !(then == "stopped" && previous is "stopped" or "stopping") && previous != to)
            {
                if (then == "stopped" && previous != "running")
                {
                    throw new FakeEc2Error("IncorrectInstanceState", $"The instance '{instance.Id}' is not in a state from which it can be stopped.");
                }

                instance.State.Move(to, now, then, after);
            }

            items.Add(Item(E("instanceId", instance.Id), StateXml("currentState", instance.State.At(now)), StateXml("previousState", previous)));
        }

        return [Set("instancesSet", items)];
    }

    private XElement[] ModifyInstanceAttribute(string region, QueryForm form)
    {
        var instance = Get<FakeInstance>(region, form.Required("InstanceId"), "InvalidInstanceID.NotFound");
        if (form.Bool("EnaSupport.Value") is { } ena)
        {
            instance.EnaSupport = ena;
        }

        return [E("return", true)];
    }

    private XElement[] CreateImage(string region, QueryForm form, DateTimeOffset now)
    {
        var instance = Get<FakeInstance>(region, form.Required("InstanceId"), "InvalidInstanceID.NotFound");
        if (instance.State.At(now) is not ("running" or "stopped"))
        {
            throw new FakeEc2Error("IncorrectInstanceState", $"Instance '{instance.Id}' is not in a state from which it can be imaged.");
        }

        var name = form.Required("Name");
        RequireFreeName(region, name);
        var snapshotTags = form.TagsFor("snapshot");
        var devices = instance.Volumes.Select(v =>
        {
            var snapshot = Add(new FakeSnapshot { Id = NewId("snap"), Region = region, OwnerId = Account, Size = v.Size, Encrypted = v.Encrypted, Description = $"Created by CreateImage({instance.Id})" });
            Tag(snapshot, snapshotTags);
            return (v.Device, snapshot.Id, v.Size, v.Encrypted);
        }).ToList();
        var image = Add(new FakeImage
        {
            Id = NewId("ami"), Region = region, Name = name, Description = form["Description"], OwnerId = Account, CreationDate = now.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            RootDeviceName = instance.RootDeviceName, Devices = devices, EnaSupport = instance.EnaSupport,
            State = new Transition("pending", now, "available", Timing.ImagePending),
        });
        Tag(image, form.TagsFor("image"));
        return [E("imageId", image.Id)];
    }

    private XElement[] CopyImage(string region, QueryForm form, DateTimeOffset now)
    {
        var token = form["ClientToken"];
        if (token is not null && _resources.Values.OfType<FakeImage>().FirstOrDefault(i => i.Region == region && i.Tags.GetValueOrDefault("fake:client-token") == token) is { } again)
        {
            return [E("imageId", again.Id)];
        }

        var sourceRegion = form.Required("SourceRegion");
        var source = Get<FakeImage>(sourceRegion, form.Required("SourceImageId"), "InvalidAMIID.NotFound");
        var name = form.Required("Name");
        RequireFreeName(region, name);
        var encrypted = form.Bool("Encrypted") ?? false;
        var devices = source.Devices.Select(d =>
        {
            var snapshot = Add(new FakeSnapshot { Id = NewId("snap"), Region = region, OwnerId = Account, Size = d.Size, Encrypted = d.Encrypted || encrypted, Description = $"Copied for DestinationAmi from {source.Id}" });
            Tag(snapshot, form.TagsFor("snapshot"));
            return (d.Device, snapshot.Id, d.Size, d.Encrypted || encrypted);
        }).ToList();
        var image = Add(new FakeImage
        {
            Id = NewId("ami"), Region = region, Name = name, Description = form["Description"], OwnerId = Account, CreationDate = now.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            RootDeviceName = source.RootDeviceName, Devices = devices, EnaSupport = source.EnaSupport, SourceImageId = source.Id,
            State = new Transition("pending", now, "available", Timing.ImagePending),
        });
        Tag(image, form.TagsFor("image"));
        if (token is not null)
        {
            image.Tags["fake:client-token"] = token;
        }

        return [E("imageId", image.Id)];
    }

    private void RequireFreeName(string region, string name)
    {
        if (_resources.Values.OfType<FakeImage>().Any(i => i.Region == region && i.OwnerId == Account && i.Name == name))
        {
            throw new FakeEc2Error("InvalidAMIName.Duplicate", $"AMI name {name} is already in use by AMI");
        }
    }

    private XElement[] DeregisterImage(string region, QueryForm form)
    {
        var image = Get<FakeImage>(region, form.Required("ImageId"), "InvalidAMIID.NotFound");
        _resources.Remove(image.Id);
        return [E("return", true)];
    }

    private XElement[] ModifyImageAttribute(string region, QueryForm form)
    {
        var image = Get<FakeImage>(region, form.Required("ImageId"), "InvalidAMIID.NotFound");
        foreach (var add in form.Member("LaunchPermission").Members("Add"))
        {
            if (add["UserId"] is { } user)
            {
                image.LaunchUsers.Add(user);
            }

            if (add["Group"] is { } group)
            {
                image.LaunchGroups.Add(group);
            }
        }

        image.LaunchUsers.UnionWith(form.List("UserId"));
        image.LaunchGroups.UnionWith(form.List("UserGroup"));
        return [E("return", true)];
    }

    private XElement[] DeleteSnapshot(string region, QueryForm form, DateTimeOffset now)
    {
        var snapshot = Get<FakeSnapshot>(region, form.Required("SnapshotId"), "InvalidSnapshot.NotFound");
        var user = _resources.Values.OfType<FakeImage>().FirstOrDefault(i => i.Region == region && i.Devices.Any(d => d.SnapshotId == snapshot.Id));
        if (user is not null)
        {
            throw new FakeEc2Error("InvalidSnapshot.InUse", $"The snapshot {snapshot.Id} is currently in use by {user.Id}");
        }

        _resources.Remove(snapshot.Id);
        return [E("return", true)];
    }

    private XElement[] CreateTags(string region, QueryForm form)
    {
        var tags = form.Members("Tag").ToDictionary(t => t.Required("Key"), t => t["Value"] ?? "", StringComparer.Ordinal);
        var resources = form.List("ResourceId").Select(id => _resources.TryGetValue(id, out var r) && r.Region == region ? r
            : throw new FakeEc2Error("InvalidID", $"The ID '{id}' is not valid")).ToList();
        foreach (var resource in resources)
        {
            Tag(resource, tags);
        }

        return [E("return", true)];
    }

    private IEnumerable<T> Find<T>(string region, List<string> ids, QueryForm form, DateTimeOffset now, string notFound)
        where T : FakeResource
    {
        foreach (var id in ids)
        {
            Get<T>(region, id, notFound);
        }

        var filters = form.Filters();
        return [.. _resources.Values.OfType<T>().Where(r => r.Region == region && (ids.Count == 0 || ids.Contains(r.Id)) && r.Matches(filters, now))];
    }

    private T Get<T>(string region, string id, string notFound)
        where T : FakeResource =>
        _resources.TryGetValue(id, out var found) && found is T typed && typed.Region == region
            ? typed
            : throw new FakeEc2Error(notFound, $"The ID '{id}' does not exist");

    private T Add<T>(T resource)
        where T : FakeResource
    {
        _resources.Add(resource.Id, resource);
        return resource;
    }

    private static void Tag(FakeResource resource, IReadOnlyDictionary<string, string> tags)
    {
        foreach (var (key, value) in tags)
        {
            resource.Tags[key] = value;
        }
    }

    private static string NewId(string prefix) => $"{prefix}-{RandomNumberGenerator.GetHexString(17, lowercase: true)}";

    private static XElement E(string name, object? value) => new(Ns + name, value switch
    {
        bool b => b ? "true" : "false",
        null => "",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    });

    private static XElement Item(params object?[] content) => new(Ns + "item", content);

    private static XElement Set(string name, IEnumerable<XElement> items) => new(Ns + name, items);

    private static XElement TagSet(FakeResource resource) =>
        Set("tagSet", resource.Tags.Where(t => !t.Key.StartsWith("fake:", StringComparison.Ordinal)).Select(t => Item(E("key", t.Key), E("value", t.Value))));

    private static XElement StateXml(string name, string state) => new(Ns + name, E("code", state switch
    {
        "pending" => 0,
        "running" => 16,
        "shutting-down" => 32,
        "terminated" => 48,
        "stopping" => 64,
        _ => 80,
    }), E("name", state));

    private XElement InstanceXml(FakeInstance i, DateTimeOffset now)
    {
        var state = i.State.At(now);
        var running = state is "pending" or "running" or "stopping";
        return Item(
            E("instanceId", i.Id), E("imageId", i.ImageId), StateXml("instanceState", state),
            E("privateDnsName", $"ip-{i.PrivateIp.Replace('.', '-')}.ec2.internal"), E("dnsName", running && i.PublicIp is not null ? $"ec2-{i.PublicIp.Replace('.', '-')}.compute.amazonaws.com" : ""),
            E("keyName", i.KeyName), E("amiLaunchIndex", 0), E("instanceType", i.InstanceType), E("launchTime", i.State.Since.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)),
            new XElement(Ns + "placement", E("availabilityZone", i.Region + "a"), E("tenancy", "default")),
            E("subnetId", i.SubnetId), E("vpcId", i.VpcId), E("privateIpAddress", i.PrivateIp),
            running && i.PublicIp is not null ? E("ipAddress", i.PublicIp) : null,
            Set("groupSet", i.SecurityGroupIds.Select(g => Item(E("groupId", g), E("groupName", _resources.GetValueOrDefault(g) is FakeSecurityGroup sg ? sg.Name : "")))),
            state == "terminated" ? new XElement(Ns + "stateReason", E("code", "Client.UserInitiatedShutdown"), E("message", "Client.UserInitiatedShutdown: User initiated shutdown")) : null,
            E("architecture", "x86_64"), E("rootDeviceType", "ebs"), E("rootDeviceName", i.RootDeviceName),
            Set("blockDeviceMapping", state == "terminated" ? [] : i.Volumes.Select(v => Item(E("deviceName", v.Device), new XElement(Ns + "ebs", E("volumeId", v.VolumeId), E("status", "attached"), E("deleteOnTermination", true))))),
            E("virtualizationType", "hvm"), E("clientToken", i.ClientToken), TagSet(i), E("hypervisor", "xen"), E("enaSupport", i.EnaSupport),
            new XElement(Ns + "metadataOptions", E("state", "applied"), E("httpTokens", i.HttpTokens), E("httpPutResponseHopLimit", 2), E("httpEndpoint", "enabled")));
    }

    private XElement ImageXml(FakeImage i, DateTimeOffset now) => Item(
        E("imageId", i.Id), E("imageLocation", $"{i.OwnerId}/{i.Name}"), E("imageState", i.State.At(now)), E("imageOwnerId", i.OwnerId),
        E("creationDate", i.CreationDate), E("isPublic", i.LaunchGroups.Contains("all")), E("architecture", "x86_64"), E("imageType", "machine"),
        E("name", i.Name), i.Description is null ? null : E("description", i.Description), E("rootDeviceType", "ebs"), E("rootDeviceName", i.RootDeviceName),
        Set("blockDeviceMapping", i.Devices.Select(d => Item(E("deviceName", d.Device),
            new XElement(Ns + "ebs", E("snapshotId", d.SnapshotId), E("volumeSize", d.Size), E("deleteOnTermination", true), E("volumeType", "gp3"), E("encrypted", d.Encrypted))))),
        E("virtualizationType", "hvm"), TagSet(i), E("hypervisor", "xen"), E("enaSupport", i.EnaSupport),
        i.SourceImageId is null ? null : E("sourceImageId", i.SourceImageId));

    private static XElement VpcXml(FakeVpc v) => Item(
        E("vpcId", v.Id), E("ownerId", Account), E("state", "available"), E("cidrBlock", v.Cidr),
        Set("cidrBlockAssociationSet", [Item(E("cidrBlock", v.Cidr), E("associationId", "vpc-cidr-assoc-" + v.Id[4..]), new XElement(Ns + "cidrBlockState", E("state", "associated")))]),
        E("dhcpOptionsId", "dopt-1"), E("instanceTenancy", "default"), E("isDefault", v.IsDefault), TagSet(v));

    private static XElement SubnetXml(FakeSubnet s) => Item(
        E("subnetId", s.Id), E("state", "available"), E("vpcId", s.VpcId), E("cidrBlock", s.Cidr), E("availableIpAddressCount", 4091),
        E("availabilityZone", s.AvailabilityZone), E("defaultForAz", s.DefaultForAz), E("mapPublicIpOnLaunch", true), TagSet(s));

    private static XElement SecurityGroupXml(FakeSecurityGroup g) => Item(
        E("ownerId", Account), E("groupId", g.Id), E("groupName", g.Name), E("groupDescription", g.Description), E("vpcId", g.VpcId),
        Set("ipPermissions", g.Ingress.Select(p => Item(E("ipProtocol", p.Protocol), E("fromPort", p.From), E("toPort", p.To),
            Set("ipRanges", p.Cidrs.Select(c => Item(E("cidrIp", c))))))),
        Set("ipPermissionsEgress", []), TagSet(g));
}
