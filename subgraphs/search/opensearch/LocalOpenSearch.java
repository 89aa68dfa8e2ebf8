import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.codelibs.opensearch.runner.node.OpenSearchRunnerNode;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;

/**
 * A single-node OpenSearch on 127.0.0.1 for tests and development: the modules Aisle's search index needs,
 * loaded as classpath plugins. Usage: java LocalOpenSearch <home-dir> <http-port>. Stays up until SIGTERM,
 * then closes the node cleanly.
 */
public final class LocalOpenSearch {
  private static final List<Class<? extends Plugin>> PLUGINS =
      List.of(
          org.opensearch.transport.Netty4Plugin.class,
          org.opensearch.analysis.common.CommonAnalysisPlugin.class,
          org.opensearch.painless.PainlessPlugin.class,
          org.opensearch.index.mapper.MapperExtrasPlugin.class,
          org.opensearch.knn.plugin.KNNPlugin.class);

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: LocalOpenSearch <home-dir> <http-port>");
      System.exit(2);
    }
    Path home = Path.of(args[0]).toAbsolutePath();
    String port = args[1];
    Settings settings =
        Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("cluster.name", "aisle-local")
            .put("node.name", "aisle-local-1")
            .put("network.host", "127.0.0.1")
            .put("http.port", port)
            .put("transport.port", Integer.toString(Integer.parseInt(port) + 100))
            .put("discovery.type", "single-node")
            .put("cluster.default_number_of_replicas", 0)
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("action.auto_create_index", false)
            .build();
    Environment environment =
        InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), home.resolve("config"), () -> "aisle-local-1");
    Node node = new OpenSearchRunnerNode(environment, PLUGINS);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    node.close();
                  } catch (Exception e) {
                    e.printStackTrace();
                  }
                }));
    node.start();
    System.out.println("aisle-local-opensearch started on http://127.0.0.1:" + port);
    // The node's threads are daemons: keep the JVM alive until a signal runs the shutdown hook.
    Thread.currentThread().join();
  }
}
