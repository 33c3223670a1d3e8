namespace Kiln.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void The_test_project_runs() => Assert.Equal(4, 2 + 2);
}
