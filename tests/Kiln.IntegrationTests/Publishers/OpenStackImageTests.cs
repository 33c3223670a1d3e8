using System.Security.Cryptography;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.IntegrationTests.Ssh;
using Kiln.Publishers;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Publishers;

/// <summary>
/// The openstack-image publisher against a fake Keystone v3 + Glance v2 on 127.0.0.1 that speaks their wire protocol.
/// Every failure must leave no image behind (deleted, and out of the ledger) and must not print the password or token.
/// </summary>
public sealed class OpenStackImageTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Uploads_a_qcow2_with_os_variables_then_sets_properties_and_visibility_once_the_data_is_in()
    {
        await using var cloud = await FakeOpenStack.StartAsync(Token);
        using var build = new PublishTestBuild(image: "web", source: "qemu");
        var (state, ledger, progress) = Instrumented(build);
        var disk = await Qcow2Async(build, "web.qcow2");
        var config = new OpenStackImageConfig
        {
            ImageName = "web-2026.11",
            Visibility = GlanceVisibility.Public,
            Properties = new Dictionary<string, string> { ["os_distro"] = "debian", ["hw_disk_bus"] = "virtio" },
            Tags = ["kiln", "web"],
            MinDisk = 4,
        };

        var artifact = Assert.Single(await Publisher(EnvironmentOf(cloud)).PublishAsync(config, state, [PublishTestBuild.ArtifactOf("qemu", "web", disk)], Token));

        var image = Assert.Single(cloud.Images);
        Assert.Equal(("openstack-image", image.Id), (artifact.BuilderType, artifact.Id));
        Assert.Equal(("web-2026.11", "public", "RegionOne"), (artifact.Outputs["image_name"], artifact.Outputs["visibility"], artifact.Outputs["region"]));
        Assert.Equal(("active", "qcow2", "bare", 4), (image.Status, image.DiskFormat, image.ContainerFormat, image.MinDisk));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(disk, Token))), image.Sha256);
        Assert.Equal(["kiln", "web"], image.Tags);
        Assert.Equal("debian", image.Properties["os_distro"]);
        Assert.Equal($"data {new FileInfo(disk).Length} bytes", image.Changes[0]);
        Assert.Equal(["add hw_disk_bus while active", "add os_distro while active", "replace visibility while active"], image.Changes[1..]);

        var upload = Assert.Single(progress.Tasks, t => t.Description.Contains("upload web.qcow2", StringComparison.Ordinal));
        Assert.Equal((new FileInfo(disk).Length, new FileInfo(disk).Length, true), (upload.Total, upload.Advanced, upload.Disposed));
        Assert.Empty(ledger.Open);
        Assert.DoesNotContain(cloud.Password, build.Log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cloud_from_clouds_yaml_and_the_import_path_waits_for_the_import_to_finish()
    {
        await using var cloud = await FakeOpenStack.StartAsync(Token);
        using var build = new PublishTestBuild(image: "web", source: "qemu");
        var raw = build.WriteFile("web.raw", 3 << 20);
        var cloudsYaml = Path.Combine(build.Root, "clouds.yaml");
        await File.WriteAllTextAsync(cloudsYaml, $"""
            clouds:
              other:
                auth: {"{"} auth_url: http://127.0.0.1:9/identity {"}"}
              lab:
                region_name: {cloud.Region}
                interface: public
                auth:
                  auth_url: {cloud.AuthUrl}
                  username: {cloud.Username}
                  password: {cloud.Password}
                  project_name: {cloud.Project}
                  user_domain_name: Default
                  project_domain_name: Default
            """, Token);
        var environment = new Dictionary<string, string> { ["OS_CLOUD"] = "lab", ["OS_CLIENT_CONFIG_FILE"] = cloudsYaml, ["HOME"] = build.Root };

        var artifact = Assert.Single(await Publisher(environment).PublishAsync(
            new OpenStackImageConfig { ImageName = "web-raw", UseImport = true }, build.State, [PublishTestBuild.ArtifactOf("qemu", "web", raw)], Token));

        var image = Assert.Single(cloud.Images);
        Assert.Equal((image.Id, "active", "raw", "private"), (artifact.Id, image.Status, image.DiskFormat, image.Visibility));
        Assert.Equal(3L << 20, image.Size);
        var requests = cloud.Requests.ToList();
        Assert.Contains($"PUT /image/v2/images/{image.Id}/stage", requests);
        Assert.True(requests.IndexOf($"POST /image/v2/images/{image.Id}/import") < requests.IndexOf($"PATCH /image/v2/images/{image.Id}"));
        Assert.True(requests.Count(r => r == $"GET /image/v2/images/{image.Id}") >= 2, "the import answers importing once, so the publisher must poll");
    }

    [Fact]
    public async Task Wrong_credentials_401_say_which_variables_to_check_and_create_nothing()
    {
        await using var cloud = await FakeOpenStack.StartAsync(Token);
        using var build = new PublishTestBuild();
        var disk = await Qcow2Async(build, "web.qcow2");
        var environment = EnvironmentOf(cloud);
        environment["OS_PASSWORD"] = "not-the-password";

        var error = await Assert.ThrowsAsync<KilnException>(() =>
            Publisher(environment).PublishAsync(new OpenStackImageConfig { ImageName = "web" }, build.State, [PublishTestBuild.ArtifactOf("qemu", "web", disk)], Token));

        Assert.Contains("rejected the credentials of demo (401: The request you have made requires authentication.)", error.Message, StringComparison.Ordinal);
        Assert.Contains("OS_PASSWORD", error.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", error.Message + error.Hint, StringComparison.Ordinal);
        Assert.Empty(cloud.Images);
        Assert.DoesNotContain(cloud.Requests, r => r.StartsWith("POST /image", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(GlanceUploadFault.Conflict, "409 Conflict: Image status transition from queued to saving is not allowed")]
    [InlineData(GlanceUploadFault.TooLarge, "too large (413: Image exceeds the storage quota")]
    [InlineData(GlanceUploadFault.Drop, "the connection to OpenStack broke")]
    public async Task A_failed_upload_deletes_the_half_made_image(GlanceUploadFault fault, string expected)
    {
        await using var cloud = await FakeOpenStack.StartAsync(Token);
        cloud.UploadFault = fault;
        using var build = new PublishTestBuild();
        var (state, ledger, _) = Instrumented(build);
        var disk = await Qcow2Async(build, "web.qcow2", dataMiB: 8);

        var error = await Assert.ThrowsAsync<KilnException>(() =>
            Publisher(EnvironmentOf(cloud)).PublishAsync(new OpenStackImageConfig { ImageName = "web" }, state, [PublishTestBuild.ArtifactOf("qemu", "web", disk)], Token));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Hint);
        var created = Assert.Single(cloud.Requests, r => r.StartsWith("POST /image/v2/images", StringComparison.Ordinal));
        Assert.Single(cloud.Requests, r => r.StartsWith("DELETE /image/v2/images/", StringComparison.Ordinal));
        Assert.Empty(cloud.Images);
        Assert.Empty(ledger.Open);
        Assert.NotNull(created);
        Assert.Contains("deleted the incomplete image", build.Log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_mid_upload_deletes_the_image()
    {
        await using var cloud = await FakeOpenStack.StartAsync(Token);
        cloud.UploadFault = GlanceUploadFault.Stall;
        using var build = new PublishTestBuild();
        var (state, ledger, _) = Instrumented(build);
        var disk = await Qcow2Async(build, "web.qcow2", dataMiB: 8);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);

        var publish = Publisher(EnvironmentOf(cloud)).PublishAsync(new OpenStackImageConfig { ImageName = "web" }, state, [PublishTestBuild.ArtifactOf("qemu", "web", disk)], cancel.Token);
        await cloud.UploadStarted.Task.WaitAsync(TimeSpan.FromMinutes(2), Token);
        var recorded = Assert.Single(ledger.Open);
        Assert.Equal((OpenStackImagePublisher.LedgerKind, Assert.Single(cloud.Images).Id), (recorded.Kind, recorded.Id));
        Assert.DoesNotContain(cloud.Password, string.Join(" ", recorded.Data.Values), StringComparison.Ordinal);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => publish);
        Assert.Empty(cloud.Images);
        Assert.Empty(ledger.Open);
    }

    [Fact]
    public async Task The_sweeper_deletes_an_image_a_killed_run_left_from_its_ledger_record()
    {
        await using var cloud = await FakeOpenStack.StartAsync(Token);
        var left = cloud.AddImage(Guid.NewGuid().ToString(), status: "saving");
        var record = new LedgerResource(OpenStackImagePublisher.LedgerKind, left.Id, new Dictionary<string, string> { ["auth_url"] = cloud.AuthUrl, ["cloud"] = "", ["region"] = cloud.Region, ["project"] = cloud.Project });
        var environment = EnvironmentOf(cloud);
        environment.Remove("OS_AUTH_URL");

        var sweeper = new OpenStackImageSweeper(name => environment.GetValueOrDefault(name), () => new HttpClient());
        await sweeper.SweepAsync(record, Token);
        await sweeper.SweepAsync(record, Token);

        Assert.Empty(cloud.Images);
    }

    [Fact]
    public async Task Missing_credentials_are_reported_with_the_variables_to_set()
    {
        using var build = new PublishTestBuild();
        var disk = await Qcow2Async(build, "web.qcow2");
        var environment = new Dictionary<string, string> { ["OS_USERNAME"] = "demo", ["HOME"] = build.Root };

        var error = await Assert.ThrowsAsync<KilnException>(() =>
            Publisher(environment).PublishAsync(new OpenStackImageConfig { ImageName = "web" }, build.State, [PublishTestBuild.ArtifactOf("qemu", "web", disk)], Token));

        Assert.Contains("no OpenStack credentials: OS_AUTH_URL, OS_PASSWORD, OS_PROJECT_NAME missing", error.Message, StringComparison.Ordinal);
        foreach (var variable in new[] { "OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD", "OS_PROJECT_NAME", "OS_USER_DOMAIN_NAME", "OS_PROJECT_DOMAIN_NAME", "OS_CLOUD", "clouds.yaml" })
        {
            Assert.Contains(variable, error.Hint, StringComparison.Ordinal);
        }
    }

    private static IPublisher Publisher(IReadOnlyDictionary<string, string> environment) =>
        new OpenStackImagePublisher(name => environment.GetValueOrDefault(name), () => new HttpClient { Timeout = TimeSpan.FromMinutes(5) }) { PollInterval = TimeSpan.FromMilliseconds(50) };

    private static Dictionary<string, string> EnvironmentOf(FakeOpenStack cloud) => new()
    {
        ["OS_AUTH_URL"] = cloud.AuthUrl,
        ["OS_USERNAME"] = cloud.Username,
        ["OS_PASSWORD"] = cloud.Password,
        ["OS_PROJECT_NAME"] = cloud.Project,
        ["OS_USER_DOMAIN_NAME"] = "Default",
        ["OS_PROJECT_DOMAIN_NAME"] = "Default",
        ["OS_REGION_NAME"] = cloud.Region,
        ["HOME"] = "/nonexistent",
    };

    private static (PublishTestState State, MemoryLedger Ledger, RecordingProgress Progress) Instrumented(PublishTestBuild build)
    {
        var ledger = new MemoryLedger();
        var progress = new RecordingProgress();
        return (new PublishTestState(build.Context with { Ledger = ledger, Progress = progress }), ledger, progress);
    }

    private static async Task<string> Qcow2Async(PublishTestBuild build, string name, int dataMiB = 2)
    {
        var disk = Path.Combine(build.Context.OutputDirectory, name);
        foreach (var arguments in new[] { new[] { "qemu-img", "create", "-q", "-f", "qcow2", disk, "1G" }, ["qemu-io", "-c", $"write -P 0x5a 0 {dataMiB}M", disk] })
        {
            var result = await HostProcess.RunAsync(arguments[0], arguments[1..], cancellationToken: Token);
            Assert.True(result.ExitCode == 0, result.ToString());
        }

        return disk;
    }
}
