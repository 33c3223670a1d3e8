using Kiln.Images;

namespace Kiln.Tests.Images;

public sealed class CloudLeftoversTests
{
    [Fact]
    public void Only_runs_older_than_the_threshold_are_taken_for_dead()
    {
        var old = $"{DateTime.UtcNow.AddDays(-2):yyyyMMdd-HHmmss}-0123abcd";
        var recent = $"{DateTime.UtcNow.AddMinutes(-30):yyyyMMdd-HHmmss}-0123abcd";

        Assert.True(CloudLeftovers.IsOlderThan(old, TimeSpan.FromDays(1)));
        Assert.False(CloudLeftovers.IsOlderThan(recent, TimeSpan.FromDays(1)));
        Assert.False(CloudLeftovers.IsOlderThan("some-other-tool-run", TimeSpan.Zero));
    }
}
