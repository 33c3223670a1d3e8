using Kiln.Engine;
using Kiln.Images;
using Kiln.Model;

namespace Kiln.Tests.Images;

public sealed class ImageSummaryTests
{
    [Fact]
    public void Shows_each_build_with_its_status_stage_durations_and_why_it_did_not_build()
    {
        BuildResult[] results =
        [
            new()
            {
                Image = "app", Source = "local", Status = BuildStatus.Built, Duration = TimeSpan.FromSeconds(95),
                StageDurations = new Dictionary<Stage, TimeSpan> { [Stage.Boot] = TimeSpan.FromSeconds(31), [Stage.Provision] = TimeSpan.FromSeconds(4.2), [Stage.Capture] = TimeSpan.FromSeconds(60) },
            },
            new() { Image = "app", Source = "cloud", Status = BuildStatus.UpToDate },
            new() { Image = "web", Source = "local", Status = BuildStatus.Skipped, Reason = "dependency app.local failed" },
        ];

        var table = ImageSummary.Render(results).Split('\n');

        Assert.Equal(5, table.Length);
        Assert.Equal("build      status      boot   provision  capture  verify  publish  total  note", table[0].TrimEnd());
        Assert.Equal("app.local  built       31.0s  4.2s       1m00s    -       -        1m35s", table[2].TrimEnd());
        Assert.Equal("app.cloud  up to date  -      -          -        -       -        -      inputs unchanged since the last build (--force rebuilds)", table[3]);
        Assert.Equal("web.local  skipped     -      -          -        -       -        -      dependency app.local failed", table[4]);
    }
}
