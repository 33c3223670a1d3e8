using Docker.DotNet.Models;
using Kiln.Builders.Docker;
using Kiln.Definitions;
using Kiln.Publishers;

namespace Kiln.Tests.Docker;

public sealed class DockerSourceConfigTests
{
    [Fact]
    public void A_base_image_alone_is_valid() => Assert.Empty(new DockerSourceConfig { Image = "debian:bookworm" }.Validate());

    [Fact]
    public void Exactly_one_of_image_and_rootfs_tarball_is_required()
    {
        Assert.Equal("image", Assert.Single(new DockerSourceConfig().Validate()).PropertyPath);
        Assert.Equal("image", Assert.Single(new DockerSourceConfig { Image = "debian", RootfsTarball = "base.tar" }.Validate()).PropertyPath);
    }

    [Fact]
    public void Interpolated_images_and_image_ids_are_accepted()
    {
        Assert.Empty(new DockerSourceConfig { Image = "${image.base.artifact.image_id}" }.Validate());
        Assert.Empty(new DockerSourceConfig { Image = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" }.Validate());
    }

    [Fact]
    public void Each_bad_change_tag_and_volume_is_reported_at_its_own_path_with_a_hint()
    {
        var config = new DockerSourceConfig
        {
            Image = "debian",
            Changes = ["CMD [\"nginx\"]", "RUN apt-get update", "ENV", "WORKDIR /srv"],
            Tags = ["app:1.0", "App:1.0", "app@sha256:0123456789abcdef0123456789abcdef"],
            Volumes = new Dictionary<string, string> { ["./cache"] = "relative/path", ["./ok"] = "/ok" },
        };

        var problems = config.Validate().ToList();

        Assert.Equal(["changes[1]", "changes[2]", "tags[1]", "tags[2]", "volumes../cache"], problems.Select(p => p.PropertyPath));
        Assert.All(problems, p => Assert.False(string.IsNullOrEmpty(p.Hint)));
        Assert.Contains("RUN", problems[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_run_command_is_reported() =>
        Assert.Equal("run_command", Assert.Single(new DockerSourceConfig { Image = "debian", RunCommand = [] }.Validate()).PropertyPath);

    [Fact]
    public void Push_credentials_go_together_and_tags_need_a_repository()
    {
        Assert.Empty(new DockerPushConfig().Validate());
        Assert.Empty(new DockerPushConfig { Username = "u", Password = "p", Repository = "registry.example.com/team/app", Tags = ["1"] }.Validate());
        Assert.Equal("password", Assert.Single(new DockerPushConfig { Username = "u" }.Validate()).PropertyPath);
        Assert.Equal("tags", Assert.Single(new DockerPushConfig { Tags = ["1"] }.Validate()).PropertyPath);
        Assert.Equal("repository", Assert.Single(new DockerPushConfig { Repository = "registry.example.com/app:1" }.Validate()).PropertyPath);
    }

    [Fact]
    public void Verify_adds_a_fresh_container_step_and_the_plan_lists_the_build_steps_in_order()
    {
        var builder = new DockerBuilder();
        var source = new ResolvedSource { Name = "container", Type = "docker", Config = new DockerSourceConfig { Image = "debian" } };

        Assert.Equal(["docker-connect", "docker-base-image", "docker-run", "provision", "docker-commit"], builder.DescribeSteps(source).Select(s => s.Name));
        var verified = source with { Verify = [new ResolvedPlugin<ProvisionerConfig>("shell", new Check(), null)] };
        Assert.Equal(["docker-run-verify", "verify"], builder.DescribeSteps(verified).TakeLast(2).Select(s => s.Name));
    }

    [Fact]
    public void A_config_written_back_as_changes_quotes_values_and_keeps_commands_as_json()
    {
        var changes = ImageChanges.FromConfig(new DockerOCIImageConfig
        {
            Env = ["PATH=/usr/bin:/bin", "QUOTED=say \"hi\" for $5"],
            Labels = new Dictionary<string, string> { ["org.example.team"] = "images" },
            WorkingDir = "/srv",
            User = "app",
            Cmd = ["nginx", "-g", "daemon off;"],
        });

        Assert.Equal(
            [
                "ENV PATH=\"/usr/bin:/bin\"",
                "ENV QUOTED=\"say \\\"hi\\\" for \\$5\"",
                "LABEL \"org.example.team\"=\"images\"",
                "USER app",
                "WORKDIR /srv",
                "CMD [\"nginx\",\"-g\",\"daemon off;\"]",
            ],
            changes);
        Assert.All(changes, c => Assert.Null(ImageChanges.Problem(c)));
    }

    private sealed class Check : ProvisionerConfig;
}
