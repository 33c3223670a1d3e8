namespace Kiln.IntegrationTests.Qemu;

/// <summary>Makes (or finds) the stand-in cloud image, so its five-minute bootstrap is timed on its own.</summary>
[Collection(QemuCollection.Name)]
public sealed class CloudImageWarmupTests
{
    [Fact]
    public async Task The_stand_in_cloud_image_is_bootstrapped_once_into_the_cache()
    {
        var path = await StandInCloudImage.GetAsync(TestContext.Current.CancellationToken);

        Assert.True(File.Exists(path));
        Assert.Contains("-cloud-", Path.GetFileName(path), StringComparison.Ordinal);
        Assert.Equal(path, await StandInCloudImage.GetAsync(TestContext.Current.CancellationToken));
    }
}
