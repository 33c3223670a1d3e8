using System.Text;
using Kiln.Communicators.Docker;

namespace Kiln.Tests.Docker;

public sealed class CommunicatorPartsTests
{
    [Theory]
    [InlineData("/etc/motd", "/", "/etc/motd")]
    [InlineData("app/run.sh", "/srv", "/srv/app/run.sh")]
    [InlineData("../x", "/srv/app", "/srv/x")]
    [InlineData("/a/./b//c/../d", "/", "/a/b/d")]
    [InlineData("/../../etc", "/", "/etc")]
    public void Container_paths_are_absolute_and_normalised(string path, string workingDirectory, string expected) =>
        Assert.Equal(expected, ContainerPaths.Absolute(path, workingDirectory));

    [Fact]
    public void Output_is_split_into_lines_across_chunks_and_split_characters()
    {
        var lines = new List<string>();
        var splitter = new OutputLineSplitter(lines.Add);
        var bytes = Encoding.UTF8.GetBytes("first\r\nsecönd line\n\nlast without newline");

        // One byte at a time: every line and every multi-byte character arrives in pieces.
        foreach (var b in bytes)
        {
            splitter.Write([b]);
        }

        splitter.Flush();

        Assert.Equal(["first", "secönd line", "", "last without newline"], lines);
    }
}
