using Kiln.Diagnostics;
using Kiln.Provisioners;

namespace Kiln.IntegrationTests.Provisioners;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FileProvisionerTests : ProvisionerHarness
{
    private async Task<string> MakeTreeAsync(string name)
    {
        var root = Path.Combine(DefinitionDirectory, name);
        Directory.CreateDirectory(Path.Combine(root, "sub"));
        Directory.CreateDirectory(Path.Combine(root, "empty"));
        await File.WriteAllTextAsync(Path.Combine(root, "a.txt"), "A\n", Cancellation);
        await File.WriteAllTextAsync(Path.Combine(root, "sub", "run.sh"), "#!/bin/sh\n", Cancellation);
        File.SetUnixFileMode(Path.Combine(root, "sub", "run.sh"), (UnixFileMode)0b111_101_101);
        return root;
    }

    private static void AssertTree(string root)
    {
        Assert.Equal("A\n", File.ReadAllText(Path.Combine(root, "a.txt")));
        Assert.Equal("#!/bin/sh\n", File.ReadAllText(Path.Combine(root, "sub", "run.sh")));
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(Path.Combine(root, "sub", "run.sh")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "empty")));
    }

    [Fact]
    public async Task Uploads_inline_content_creating_the_parent_directories()
    {
        await ProvisionAsync("file", new FileConfig { Content = "hello\nworld\n", Destination = $"{Remote}/etc/motd.d/kiln" });

        Assert.Equal("hello\nworld\n", await File.ReadAllTextAsync(Path.Combine(Remote, "etc", "motd.d", "kiln"), Cancellation));
    }

    [Fact]
    public async Task Uploads_a_file_to_a_path_or_into_a_directory_given_with_a_trailing_slash_keeping_its_mode()
    {
        await WriteDefinitionFileAsync("files/tool", "#!/bin/sh\necho tool\n");
        File.SetUnixFileMode(Path.Combine(DefinitionDirectory, "files", "tool"), (UnixFileMode)0b111_100_000);

        await ProvisionAsync("file", new FileConfig { Source = "files/tool", Destination = $"{Remote}/bin/renamed" });
        await ProvisionAsync("file", new FileConfig { Source = "files/tool", Destination = $"{Remote}/usr/local/bin/" });

        Assert.Equal("#!/bin/sh\necho tool\n", await File.ReadAllTextAsync(Path.Combine(Remote, "bin", "renamed"), Cancellation));
        Assert.Equal("#!/bin/sh\necho tool\n", await File.ReadAllTextAsync(Path.Combine(Remote, "usr", "local", "bin", "tool"), Cancellation));
        Assert.Equal((UnixFileMode)0b111_100_000, File.GetUnixFileMode(Path.Combine(Remote, "usr", "local", "bin", "tool")));
    }

    [Fact]
    public async Task Uploading_a_directory_follows_rsync_trailing_slash_semantics()
    {
        await MakeTreeAsync("site");

        await ProvisionAsync("file", new FileConfig { Source = "site/", Destination = $"{Remote}/contents" });
        await ProvisionAsync("file", new FileConfig { Source = "site", Destination = $"{Remote}/itself" });

        AssertTree(Path.Combine(Remote, "contents"));
        AssertTree(Path.Combine(Remote, "itself", "site"));
        Assert.Equal(["site"], Directory.EnumerateFileSystemEntries(Path.Combine(Remote, "itself")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Downloads_a_file_to_a_path_or_into_an_existing_directory()
    {
        await File.WriteAllTextAsync(Path.Combine(Remote, "build.log"), "log line\n", Cancellation);
        Directory.CreateDirectory(Path.Combine(DefinitionDirectory, "existing"));

        await ProvisionAsync("file", new FileConfig { Direction = FileDirection.Download, Source = $"{Remote}/build.log", Destination = "out/copy.log" });
        await ProvisionAsync("file", new FileConfig { Direction = FileDirection.Download, Source = $"{Remote}/build.log", Destination = "existing" });
        await ProvisionAsync("file", new FileConfig { Direction = FileDirection.Download, Source = $"{Remote}/build.log", Destination = "new-dir/" });

        Assert.Equal("log line\n", await File.ReadAllTextAsync(Path.Combine(DefinitionDirectory, "out", "copy.log"), Cancellation));
        Assert.Equal("log line\n", await File.ReadAllTextAsync(Path.Combine(DefinitionDirectory, "existing", "build.log"), Cancellation));
        Assert.Equal("log line\n", await File.ReadAllTextAsync(Path.Combine(DefinitionDirectory, "new-dir", "build.log"), Cancellation));
        Assert.DoesNotContain(Ledger.Open, r => r.Kind == "file");
    }

    [Fact]
    public async Task Downloading_a_directory_follows_rsync_trailing_slash_semantics()
    {
        var tree = await MakeTreeAsync("made-here");
        Directory.Move(tree, Path.Combine(Remote, "site"));

        await ProvisionAsync("file", new FileConfig { Direction = FileDirection.Download, Source = $"{Remote}/site/", Destination = "contents" });
        await ProvisionAsync("file", new FileConfig { Direction = FileDirection.Download, Source = $"{Remote}/site", Destination = "itself" });

        AssertTree(Path.Combine(DefinitionDirectory, "contents"));
        AssertTree(Path.Combine(DefinitionDirectory, "itself", "site"));
    }

    [Fact]
    public async Task Missing_sources_are_errors_that_say_which_side_they_were_looked_for_on()
    {
        var upload = await Assert.ThrowsAsync<KilnException>(() =>
            ProvisionAsync("file", new FileConfig { Source = "nope.txt", Destination = $"{Remote}/x" }));
        var download = await Assert.ThrowsAsync<KilnException>(() =>
            ProvisionAsync("file", new FileConfig { Direction = FileDirection.Download, Source = $"{Remote}/nope", Destination = "x" }));

        Assert.Contains("nope.txt", upload.Message, StringComparison.Ordinal);
        Assert.Contains(DefinitionDirectory, upload.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist on the machine", download.Message, StringComparison.Ordinal);
    }
}
