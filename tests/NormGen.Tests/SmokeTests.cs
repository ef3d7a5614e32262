using Xunit;

namespace NormGen.Tests;

public class SmokeTests
{
    [Fact]
    public void ForwardRuns()
    {
        var layer = new BnF100();
        var x = new float[100 * 4];
        for (int i = 0; i < x.Length; i++) x[i] = i % 7;
        var y = new float[x.Length];
        layer.Forward(x, y);
        Assert.Equal(1, layer.BatchesTracked);
    }
}
