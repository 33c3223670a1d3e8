using Kiln.Plugins;
using Kiln.Publishers;

namespace Kiln.Tests.Publishers;

public sealed class PublisherConfigTests
{
    [Fact]
    public void Every_publisher_is_in_the_catalog_under_its_type()
    {
        var publishers = PluginCatalog.Default.Publishers;
        foreach (var (type, config) in new[]
        {
            ("manifest", typeof(ManifestConfig)), ("checksum", typeof(ChecksumConfig)), ("compress", typeof(CompressConfig)),
            ("vagrant", typeof(VagrantConfig)), ("github-release", typeof(GitHubReleaseConfig)), ("shell-local", typeof(ShellLocalConfig)),
        })
        {
            Assert.True(publishers.TryGetValue(type, out var publisher), $"no publisher '{type}'");
            Assert.Equal(config, publisher.ConfigType);
        }
    }

    [Fact]
    public void Shell_local_needs_exactly_one_of_command_inline_and_script()
    {
        Assert.Equal("command", Assert.Single(new ShellLocalConfig().Validate()).PropertyPath);
        Assert.Equal("script", Assert.Single(new ShellLocalConfig { Options = new() { Command = "a", Inline = ["b"] } }.Validate()).PropertyPath);
        Assert.Empty(new ShellLocalConfig { Options = new() { Script = "x.sh" } }.Validate());
        Assert.Equal("valid_exit_codes", Assert.Single(new ShellLocalConfig { Options = new() { Command = "a", ValidExitCodes = [] } }.Validate()).PropertyPath);
    }

    [Fact]
    public void Github_release_checks_its_url_and_names()
    {
        var problems = new GitHubReleaseConfig { Owner = "o", Repository = " ", Tag = "v1", ApiUrl = "ftp://x" }.Validate().ToList();
        Assert.Equal(["api_url", "repository"], problems.Select(p => p.PropertyPath));
        Assert.Empty(new GitHubReleaseConfig { Owner = "o", Repository = "r", Tag = "v1", ApiUrl = "https://ghe.example.com/" }.Validate());
    }

    [Fact]
    public void Vagrant_and_compress_levels_are_range_checked()
    {
        Assert.Equal("compression_level", Assert.Single(new VagrantConfig { CompressionLevel = 10 }.Validate()).PropertyPath);
        Assert.Equal("workers", Assert.Single(new CompressConfig { Workers = -1 }.Validate()).PropertyPath);
        Assert.Equal("lock_timeout", Assert.Single(new ManifestConfig { LockTimeout = TimeSpan.Zero }.Validate()).PropertyPath);
    }
}
