<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ConsoleShell</name>
    <message>
        <source>Cannot open the cluster store %1: %2
Choose another store (File → Open cluster store…), or start the console with --demo.</source>
        <translation>无法打开集群存储 %1：%2
请选择其他存储（文件 → 打开集群存储……），或使用 --demo 启动控制台。</translation>
    </message>
    <message>
        <source>Cannot connect to the engine at %1: %2</source>
        <translation>无法连接到 %1 的引擎：%2</translation>
    </message>
    <message>
        <source>JobFirst Cluster Console</source>
        <translation>JobFirst 集群控制台</translation>
    </message>
    <message>
        <source>The remembered engine %1 has no readable token (%2); starting the demo.</source>
        <translation>记住的引擎 %1 没有可读取的令牌（%2）；改为启动演示。</translation>
    </message>
    <message>
        <source>Cannot reach the engine at %1: %2</source>
        <translation>无法连接位于 %1 的引擎：%2</translation>
    </message>
    <message>
        <source>No config file was beside the store: its latest config version (%1, secrets included) was written to %2.</source>
        <translation>存储旁没有配置文件：已将其最新配置版本（%1，含密钥）写入 %2。</translation>
    </message>
    <message>
        <source>A new config with fresh secrets was written to %1.</source>
        <translation>已将带有新随机密钥的新配置写入 %1。</translation>
    </message>
    <message>
        <source>Other users can read the token file %1: make it yours alone (chmod 600 %1).</source>
        <translation>其他用户可以读取令牌文件 %1：请将其设为仅本人可读（chmod 600 %1）。</translation>
    </message>
    <message>
        <source>Cannot open the cluster store %1: %2
Nothing was started: choose another store, or start the demo.</source>
        <translation>无法打开集群存储 %1：%2
未启动任何内容：请选择其他存储，或启动演示。</translation>
    </message>
    <message>
        <source>Cannot use the config file %1: %2
Nothing was started: correct the file and try again, or choose another store.</source>
        <translation>无法使用配置文件 %1：%2
未启动任何内容：请修正该文件后重试，或选择其他存储。</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Open another store…</source>
        <translation>打开其他存储……</translation>
    </message>
    <message>
        <source>Start the demo</source>
        <translation>启动演示</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Open cluster store</source>
        <translation>打开集群存储</translation>
    </message>
    <message>
        <source>Cluster stores (*.db);;All files (*)</source>
        <translation>集群存储 (*.db);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>DemoCluster</name>
    <message>
        <source>jobfirst-nodesim was not found next to the console or on PATH; the demo cannot start.</source>
        <translation>在控制台旁边或 PATH 中找不到 jobfirst-nodesim，无法启动演示。</translation>
    </message>
    <message>
        <source>Cannot create a folder for the demo cluster: %1</source>
        <translation>无法为演示集群创建目录：%1</translation>
    </message>
    <message>
        <source>The demo process %1 could not start.</source>
        <translation>演示进程 %1 无法启动。</translation>
    </message>
</context>
<context>
    <name>EngineSentence</name>
    <message>
        <source>a node with id &quot;%1&quot; is already registered</source>
        <translation>已有 ID 为“%1”的节点</translation>
    </message>
    <message>
        <source>the cluster is full: max_nodes is %1</source>
        <translation>集群已满：max_nodes 为 %1</translation>
    </message>
    <message>
        <source>there is no node &quot;%1&quot;</source>
        <translation>没有节点“%1”</translation>
    </message>
    <message>
        <source>node id &quot;%1&quot; must be 1-64 letters, digits, &apos;.&apos;, &apos;_&apos; or &apos;-&apos;, starting with a letter or digit</source>
        <translation>节点 ID“%1”必须由 1-64 个字母、数字、“.”、“_”或“-”组成，并以字母或数字开头</translation>
    </message>
    <message>
        <source>health path &quot;%1&quot; must start with &apos;/&apos; and contain no spaces</source>
        <translation>健康检查路径“%1”必须以“/”开头且不含空格</translation>
    </message>
    <message>
        <source>weight %1 is out of range (1..256)</source>
        <translation>权重 %1 超出范围（1..256）</translation>
    </message>
    <message>
        <source>health path is longer than 2048 bytes</source>
        <translation>健康检查路径超过 2048 字节</translation>
    </message>
    <message>
        <source>a node has at most 64 tags</source>
        <translation>一个节点最多有 64 个标签</translation>
    </message>
    <message>
        <source>tag &quot;%1&quot; must be 1-128 characters and contain no comma</source>
        <translation>标签“%1”必须为 1-128 个字符且不含逗号</translation>
    </message>
    <message>
        <source>node %1: %2 is longer than 4096 characters</source>
        <translation>节点 %1：%2 超过 4096 个字符</translation>
    </message>
    <message>
        <source>node %1: %2 holds control characters</source>
        <translation>节点 %1：%2 含有控制字符</translation>
    </message>
    <message>
        <source>node %1: client_cert and client_key go together: give both or neither</source>
        <translation>节点 %1：client_cert 与 client_key 须一起设置：两个都给，或都不给</translation>
    </message>
    <message>
        <source>node %1: </source>
        <translation>节点 %1：</translation>
    </message>
    <message>
        <source>an array</source>
        <translation>一个数组</translation>
    </message>
    <message>
        <source>an object</source>
        <translation>一个对象</translation>
    </message>
    <message>
        <source>key &apos;%1&apos;: value %2 %3</source>
        <translation>键“%1”：值 %2 %3</translation>
    </message>
    <message>
        <source>is out of range (%1..%2)</source>
        <translation>超出范围（%1..%2）</translation>
    </message>
    <message>
        <source>is longer than %1 bytes</source>
        <translation>超过 %1 字节</translation>
    </message>
    <message>
        <source>is not a whole number</source>
        <translation>不是整数</translation>
    </message>
    <message>
        <source>is not a duration string (use e.g. 500ms, 30s, 2m)</source>
        <translation>不是时长字符串（请写成如 500ms、30s、2m）</translation>
    </message>
    <message>
        <source>is not a duration (use e.g. 500ms, 30s, 2m)</source>
        <translation>不是有效的时长（请写成如 500ms、30s、2m）</translation>
    </message>
    <message>
        <source>is not a string</source>
        <translation>不是字符串</translation>
    </message>
    <message>
        <source>holds control characters</source>
        <translation>含有控制字符</translation>
    </message>
    <message>
        <source>key &apos;%1&apos;: the secret is longer than 4096 characters</source>
        <translation>键“%1”：密钥超过 4096 个字符</translation>
    </message>
    <message>
        <source>is not true or false</source>
        <translation>不是 true 或 false</translation>
    </message>
    <message>
        <source>is not an http(s) URL with a host</source>
        <translation>不是带主机的 http(s) URL</translation>
    </message>
    <message>
        <source>holds a user name or password; use token_file or client_cert instead</source>
        <translation>含有用户名或密码；请改用 token_file 或 client_cert</translation>
    </message>
    <message>
        <source>key &apos;%1.%2&apos; is not a known target setting</source>
        <translation>键“%1.%2”不是已知的目标设置</translation>
    </message>
    <message>
        <source>must be 1-%1 letters, digits, &apos;.&apos;, &apos;_&apos; or &apos;-&apos;</source>
        <translation>必须由 1-%1 个字母、数字、“.”、“_”或“-”组成</translation>
    </message>
    <message>
        <source>must be non-empty letters, digits, &apos;.&apos;, &apos;_&apos; or &apos;-&apos;</source>
        <translation>必须是非空的字母、数字、“.”、“_”或“-”</translation>
    </message>
    <message>
        <source>is not a list of event types</source>
        <translation>不是事件类型列表</translation>
    </message>
    <message>
        <source>is not an event type (%1)</source>
        <translation>不是事件类型（%1）</translation>
    </message>
    <message>
        <source>is not an object like {&quot;max&quot;: 3, &quot;interval&quot;: &quot;5s&quot;}</source>
        <translation>不是形如 {&quot;max&quot;: 3, &quot;interval&quot;: &quot;5s&quot;} 的对象</translation>
    </message>
    <message>
        <source>key &apos;%1retry.%2&apos; is not a known retry setting (max, interval)</source>
        <translation>键“%1retry.%2”不是已知的重试设置（max、interval）</translation>
    </message>
    <message>
        <source>is not a rate in requests per second (0..1000000, 0 = unlimited)</source>
        <translation>不是每秒请求数（0..1000000，0 表示不限）</translation>
    </message>
    <message>
        <source>key &apos;%1client_cert&apos; and &apos;%1client_key&apos; go together: give both or neither</source>
        <translation>键“%1client_cert”与“%1client_key”须一起设置：两个都给，或都不给</translation>
    </message>
    <message>
        <source>is not an object</source>
        <translation>不是对象</translation>
    </message>
    <message>
        <source>is not a strategy (round-robin, least-connections, weighted-round-robin, ip-hash, power-of-two)</source>
        <translation>不是负载均衡策略（round-robin、least-connections、weighted-round-robin、ip-hash、power-of-two）</translation>
    </message>
    <message>
        <source>is not a list of targets</source>
        <translation>不是目标列表</translation>
    </message>
    <message>
        <source>key &apos;targets[%1].name&apos;: &quot;%2&quot; is used by an earlier target</source>
        <translation>键“targets[%1].name”：“%2”已被前面的目标使用</translation>
    </message>
    <message>
        <source>is not a level (debug, info, warning, error)</source>
        <translation>不是日志级别（debug、info、warning、error）</translation>
    </message>
    <message>
        <source>must start with &apos;/&apos; and hold no spaces</source>
        <translation>必须以“/”开头且不含空格</translation>
    </message>
    <message>
        <source>must not be empty</source>
        <translation>不能为空</translation>
    </message>
    <message>
        <source>must be set together with %1 (TLS needs both the certificate and its key)</source>
        <translation>必须与 %1 一起设置（TLS 需要证书及其私钥）</translation>
    </message>
    <message>
        <source>must name the passphrase file when backup_dir is set (backups are encrypted)</source>
        <translation>设置了 backup_dir 时必须指定口令文件（备份是加密的）</translation>
    </message>
    <message>
        <source>is longer than health_check_interval (%1)</source>
        <translation>比 health_check_interval（%1）还长</translation>
    </message>
    <message>
        <source>the config is %1 bytes; at most %2 are read</source>
        <translation>配置有 %1 字节；最多读取 %2 字节</translation>
    </message>
    <message>
        <source>not valid JSON at line %1, column %2: %3</source>
        <translation>第 %1 行第 %2 列不是有效的 JSON：%3</translation>
    </message>
    <message>
        <source>the config must be a JSON object</source>
        <translation>配置必须是 JSON 对象</translation>
    </message>
    <message>
        <source>key &apos;%1&apos; is not a known setting</source>
        <translation>键“%1”不是已知的设置</translation>
    </message>
    <message>
        <source>cannot read config file %1: %2</source>
        <translation>无法读取配置文件 %1：%2</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>key &apos;backup_passphrase_file&apos;: %1</source>
        <translation>键“backup_passphrase_file”：%1</translation>
    </message>
    <message>
        <source>is longer than 4096 characters</source>
        <translation>超过 4096 个字符</translation>
    </message>
    <message>
        <source>does not exist</source>
        <translation>不存在</translation>
    </message>
    <message>
        <source>is not a file</source>
        <translation>不是文件</translation>
    </message>
    <message>
        <source>is not readable by this user</source>
        <translation>当前用户无法读取</translation>
    </message>
    <message>
        <source>%1%2: &quot;%3&quot; %4</source>
        <translation>%1%2：“%3”%4</translation>
    </message>
    <message>
        <source>%1client_cert and %1client_key go together: give both or neither</source>
        <translation>%1client_cert 与 %1client_key 须一起设置：两个都给，或都不给</translation>
    </message>
    <message>
        <source>%1token_file: %2</source>
        <translation>%1token_file：%2</translation>
    </message>
    <message>
        <source>unterminated object</source>
        <translation>对象未结束</translation>
    </message>
    <message>
        <source>missing name separator</source>
        <translation>缺少名称分隔符（:）</translation>
    </message>
    <message>
        <source>unterminated array</source>
        <translation>数组未结束</translation>
    </message>
    <message>
        <source>missing value separator</source>
        <translation>缺少值分隔符（,）</translation>
    </message>
    <message>
        <source>illegal value</source>
        <translation>非法的值</translation>
    </message>
    <message>
        <source>invalid termination by number</source>
        <translation>数字处意外结束</translation>
    </message>
    <message>
        <source>illegal number</source>
        <translation>非法的数字</translation>
    </message>
    <message>
        <source>invalid escape sequence</source>
        <translation>无效的转义序列</translation>
    </message>
    <message>
        <source>invalid UTF8 string</source>
        <translation>无效的 UTF-8 字符串</translation>
    </message>
    <message>
        <source>unterminated string</source>
        <translation>字符串未结束</translation>
    </message>
    <message>
        <source>object is missing after a comma</source>
        <translation>逗号后缺少对象</translation>
    </message>
    <message>
        <source>too deeply nested document</source>
        <translation>文档嵌套过深</translation>
    </message>
    <message>
        <source>too large document</source>
        <translation>文档过大</translation>
    </message>
    <message>
        <source>garbage at the end of the document</source>
        <translation>文档末尾有多余内容</translation>
    </message>
    <message>
        <source>delivery %1 is not a dead letter</source>
        <translation>投递 %1 不是死信</translation>
    </message>
    <message>
        <source>queue full: %1 deliveries wait and the backlog limit is %2; nothing was accepted, try again later</source>
        <translation>队列已满：%1 个投递在等待，积压上限为 %2；未接受任何内容，请稍后再试</translation>
    </message>
    <message>
        <source>the sync outbox is not running</source>
        <translation>同步发件箱未运行</translation>
    </message>
    <message>
        <source>there is no sync target &quot;%1&quot;</source>
        <translation>没有同步目标“%1”</translation>
    </message>
    <message>
        <source>the sync service is not running</source>
        <translation>同步服务未运行</translation>
    </message>
    <message>
        <source>key &apos;max_nodes&apos;: value %1 is below the %2 nodes registered now</source>
        <translation>键“max_nodes”：值 %1 小于现在已注册的 %2 个节点</translation>
    </message>
    <message>
        <source>the simulation needs at least one node</source>
        <translation>模拟至少需要一个节点</translation>
    </message>
    <message>
        <source>node %1: weight %2 is out of range (1..256)</source>
        <translation>节点 %1：权重 %2 超出范围（1..256）</translation>
    </message>
    <message>
        <source>node %1: capacity %2 is out of range (1..100000)</source>
        <translation>节点 %1：容量 %2 超出范围（1..100000）</translation>
    </message>
    <message>
        <source>node %1: latency %2 ms is out of range (&gt;0..600000)</source>
        <translation>节点 %1：延迟 %2 ms 超出范围（&gt;0..600000）</translation>
    </message>
    <message>
        <source>node %1: queue limit %2 is negative</source>
        <translation>节点 %1：队列上限 %2 为负数</translation>
    </message>
    <message>
        <source>arrival rate %1/s is out of range (&gt;0..1e9)</source>
        <translation>到达速率 %1/s 超出范围（&gt;0..1e9）</translation>
    </message>
    <message>
        <source>request count %1 is out of range (1..100000000)</source>
        <translation>请求数 %1 超出范围（1..100000000）</translation>
    </message>
    <message>
        <source>no strategy to simulate</source>
        <translation>没有要模拟的策略</translation>
    </message>
    <message>
        <source>cannot read %1</source>
        <translation>无法读取 %1</translation>
    </message>
    <message>
        <source>cannot reach the engine at %1: %2</source>
        <translation>无法连接到位于 %1 的引擎：%2</translation>
    </message>
    <message>
        <source>connection refused</source>
        <translation>连接被拒绝</translation>
    </message>
    <message>
        <source>the server closed the connection without answering</source>
        <translation>服务器未作应答就关闭了连接</translation>
    </message>
    <message>
        <source>timed out after %1 s</source>
        <translation>%1 秒后超时</translation>
    </message>
    <message>
        <source>timed out</source>
        <translation>超时</translation>
    </message>
    <message>
        <source>TLS handshake failed: %1</source>
        <translation>TLS 握手失败：%1</translation>
    </message>
    <message>
        <source>connection reset by the server while the request was sent (%1 of %2 bytes); it may have refused it</source>
        <translation>发送请求时连接被服务器重置（已发送 %1 / %2 字节）；服务器可能拒绝了该请求</translation>
    </message>
    <message>
        <source>connection reset by the server</source>
        <translation>连接被服务器重置</translation>
    </message>
    <message>
        <source>the server at %1 answered HTTP %2 for %3 without saying why: %4</source>
        <translation>位于 %1 的服务器对 %3 应答了 HTTP %2，但未说明原因：%4</translation>
    </message>
    <message>
        <source>not a jobfirstd admin API, or an older one</source>
        <translation>不是 jobfirstd 管理 API，或是旧版本</translation>
    </message>
    <message>
        <source>not an answer of a jobfirstd admin API (a proxy or another server in between?)</source>
        <translation>不是 jobfirstd 管理 API 的应答（中间是否有代理或其他服务器？）</translation>
    </message>
    <message>
        <source>the engine at %1 answered HTTP %2, and the connection ended before the whole answer came</source>
        <translation>位于 %1 的引擎应答了 HTTP %2，但连接在应答完整到达前就结束了</translation>
    </message>
    <message>
        <source>the engine at %1 answered HTTP %2 with something that is not JSON (%3)</source>
        <translation>位于 %1 的引擎应答了 HTTP %2，但内容不是 JSON（%3）</translation>
    </message>
    <message>
        <source>cannot read the token file %1: %2</source>
        <translation>无法读取令牌文件 %1：%2</translation>
    </message>
    <message>
        <source>the token file %1 must hold one token on one line</source>
        <translation>令牌文件 %1 必须在一行中只包含一个令牌</translation>
    </message>
    <message>
        <source>cannot create %1</source>
        <translation>无法创建 %1</translation>
    </message>
    <message>
        <source>cannot write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>%1 is not a JobFirst backup</source>
        <translation>%1 不是 JobFirst 备份</translation>
    </message>
    <message>
        <source>%1 is a backup of format %2; this program reads format %3</source>
        <translation>%1 是格式 %2 的备份；本程序读取格式 %3</translation>
    </message>
    <message>
        <source>%1: its key derivation settings are out of range (altered)</source>
        <translation>%1：其密钥派生设置超出范围（已被改动）</translation>
    </message>
    <message>
        <source>scrypt key derivation failed</source>
        <translation>scrypt 密钥派生失败</translation>
    </message>
    <message>
        <source>cannot open %1: %2</source>
        <translation>无法打开 %1：%2</translation>
    </message>
    <message>
        <source>cannot read store %1: %2</source>
        <translation>无法读取存储 %1：%2</translation>
    </message>
    <message>
        <source>cannot copy %1: %2</source>
        <translation>无法复制 %1：%2</translation>
    </message>
    <message>
        <source>the backup was cancelled</source>
        <translation>备份已取消</translation>
    </message>
    <message>
        <source>copying %1 failed: %2</source>
        <translation>复制 %1 失败：%2</translation>
    </message>
    <message>
        <source>cannot create folder %1</source>
        <translation>无法创建文件夹 %1</translation>
    </message>
    <message>
        <source>%1 is truncated: %2 of %3 bytes</source>
        <translation>%1 不完整：只有 %2 / %3 字节</translation>
    </message>
    <message>
        <source>%1 has %2 bytes more than its header says (altered)</source>
        <translation>%1 比其文件头所述多出 %2 字节（已被改动）</translation>
    </message>
    <message>
        <source>cannot read %1: %2</source>
        <translation>无法读取 %1：%2</translation>
    </message>
    <message>
        <source>%1 was altered: its authentication tag does not match</source>
        <translation>%1 已被改动：其认证标签不匹配</translation>
    </message>
    <message>
        <source>%1: wrong passphrase</source>
        <translation>%1：口令错误</translation>
    </message>
    <message>
        <source>cannot set up AES-256-GCM</source>
        <translation>无法设置 AES-256-GCM</translation>
    </message>
    <message>
        <source>the backup passphrase is %1 characters long; at least %2 are needed</source>
        <translation>备份口令长 %1 个字符；至少需要 %2 个</translation>
    </message>
    <message>
        <source>store %1 does not exist</source>
        <translation>存储 %1 不存在</translation>
    </message>
    <message>
        <source>the backup file cannot be the store itself</source>
        <translation>备份文件不能是存储本身</translation>
    </message>
    <message>
        <source>OpenSSL&apos;s random generator failed</source>
        <translation>OpenSSL 随机数生成器失败</translation>
    </message>
    <message>
        <source>cannot read the copy %1: %2</source>
        <translation>无法读取副本 %1：%2</translation>
    </message>
    <message>
        <source>AES-256-GCM could not finish</source>
        <translation>AES-256-GCM 无法完成</translation>
    </message>
    <message>
        <source>the shared store is PostgreSQL (%1): back it up with PostgreSQL&apos;s own tools (pg_basebackup for the server, or pg_dump -Fc %2); a backup file here would hold only this daemon&apos;s local SQLite part</source>
        <translation>共享存储是 PostgreSQL（%1）：请用 PostgreSQL 自己的工具备份（整个服务器用 pg_basebackup，或 pg_dump -Fc %2）；在这里做的备份文件只会包含此守护进程的本地 SQLite 部分</translation>
    </message>
    <message>
        <source>%1 decrypts, but the store inside fails its check: %2</source>
        <translation>%1 可以解密，但其中的存储未通过检查：%2</translation>
    </message>
    <message>
        <source>%1 is a folder, not a store file</source>
        <translation>%1 是文件夹，不是存储文件</translation>
    </message>
    <message>
        <source>%1 is open in an engine (%2): stop it before restoring over it</source>
        <translation>%1 已在引擎中打开（%2）：请先停止该引擎再覆盖恢复</translation>
    </message>
    <message>
        <source>%1 exists: restore to a new path (or replace it explicitly)</source>
        <translation>%1 已存在：请恢复到新路径（或明确选择替换）</translation>
    </message>
    <message>
        <source>folder %1 does not exist</source>
        <translation>文件夹 %1 不存在</translation>
    </message>
    <message>
        <source>%1 decrypts, but the store inside fails its check: %2; %3 was not changed</source>
        <translation>%1 可以解密，但其中的存储未通过检查：%2；%3 未被更改</translation>
    </message>
    <message>
        <source>%1 was opened by %2 during the restore; not changed</source>
        <translation>恢复期间 %1 被 %2 打开；未作更改</translation>
    </message>
    <message>
        <source>cannot move the restored store into place at %1</source>
        <translation>无法把恢复的存储移到 %1</translation>
    </message>
    <message>
        <source>store %1 has schema version %2; this engine knows up to %3: upgrade the engine</source>
        <translation>存储 %1 的架构版本为 %2；此引擎最高只认识 %3：请升级引擎</translation>
    </message>
    <message>
        <source>%1: Qt&apos;s PostgreSQL driver (QPSQL) is not installed (Debian: libqt6sql6-psql)</source>
        <translation>%1：未安装 Qt 的 PostgreSQL 驱动（QPSQL）（Debian：libqt6sql6-psql）</translation>
    </message>
    <message>
        <source>PostgreSQL store %1 cannot be reached: %2</source>
        <translation>无法连接到 PostgreSQL 存储 %1：%2</translation>
    </message>
    <message>
        <source>PostgreSQL store %1: %2</source>
        <translation>PostgreSQL 存储 %1：%2</translation>
    </message>
    <message>
        <source>store %1 is locked by another process (it holds the file exclusively); stop it or wait, then try again</source>
        <translation>存储 %1 被另一个进程锁定（它独占了该文件）；请停止该进程或稍候，然后重试</translation>
    </message>
    <message>
        <source>store %1 is corrupt (%2); restore it from a backup</source>
        <translation>存储 %1 已损坏（%2）；请从备份恢复</translation>
    </message>
    <message>
        <source>%1 is not a JobFirst store (not an SQLite database)</source>
        <translation>%1 不是 JobFirst 存储（不是 SQLite 数据库）</translation>
    </message>
    <message>
        <source>cannot open store %1: %2</source>
        <translation>无法打开存储 %1：%2</translation>
    </message>
    <message>
        <source>store %1 is gone: it was moved or deleted while open</source>
        <translation>存储 %1 已不在：它在打开期间被移动或删除</translation>
    </message>
    <message>
        <source>store %1 is a directory, not a file</source>
        <translation>存储 %1 是目录，不是文件</translation>
    </message>
    <message>
        <source>store %1: folder %2 does not exist</source>
        <translation>存储 %1：文件夹 %2 不存在</translation>
    </message>
    <message>
        <source>store %1: %2 failed: %3</source>
        <translation>存储 %1：%2 失败：%3</translation>
    </message>
    <message>
        <source>store %1 has schema version %2, not %3: the file was replaced while open</source>
        <translation>存储 %1 的架构版本为 %2，而不是 %3：文件在打开期间被替换</translation>
    </message>
    <message>
        <source>store %1 is corrupt (quick_check: %2); restore it from a backup</source>
        <translation>存储 %1 已损坏（quick_check：%2）；请从备份恢复</translation>
    </message>
    <message>
        <source>%1 is an SQLite file but not a JobFirst store (it has tables %2 and no meta table)</source>
        <translation>%1 是 SQLite 文件，但不是 JobFirst 存储（它有表 %2，却没有 meta 表）</translation>
    </message>
    <message>
        <source>%1 is an SQLite file but not a JobFirst store (no store marker)</source>
        <translation>%1 是 SQLite 文件，但不是 JobFirst 存储（没有存储标记）</translation>
    </message>
    <message>
        <source>%1 has schema version %2; this program reads up to %3</source>
        <translation>%1 的架构版本为 %2；本程序最高只能读取 %3</translation>
    </message>
    <message>
        <source>%1: the CSV header is longer than 64 KiB</source>
        <translation>%1：CSV 表头超过 64 KiB</translation>
    </message>
    <message>
        <source>%1: the CSV header has no id or user_id column</source>
        <translation>%1：CSV 表头没有 id 或 user_id 列</translation>
    </message>
    <message>
        <source>the engine at %1 sent an event over %2 MiB that did not end</source>
        <translation>位于 %1 的引擎发送了一个超过 %2 MiB 仍未结束的事件</translation>
    </message>
    <message>
        <source>the engine at %1 refused the stream: %2</source>
        <translation>位于 %1 的引擎拒绝了数据流：%2</translation>
    </message>
    <message>
        <source>the engine at %1 ended the stream: %2</source>
        <translation>位于 %1 的引擎结束了数据流：%2</translation>
    </message>
    <message>
        <source>the engine at %1 closed the stream</source>
        <translation>位于 %1 的引擎关闭了数据流</translation>
    </message>
    <message>
        <source>this API needs &apos;Authorization: Bearer TOKEN&apos; (make one with jobfirstctl token create)</source>
        <translation>此 API 需要“Authorization: Bearer TOKEN”（用 jobfirstctl token create 创建一个）</translation>
    </message>
    <message>
        <source>the token is not known (revoked, or never made)</source>
        <translation>该令牌未知（已被撤销，或从未创建）</translation>
    </message>
    <message>
        <source>the token &quot;%1&quot; was revoked; this stream has ended</source>
        <translation>令牌“%1”已被撤销；此数据流已结束</translation>
    </message>
</context>
<context>
    <name>Error</name>
    <message>
        <source>the engine cannot be reached</source>
        <translation>无法连接引擎</translation>
    </message>
    <message>
        <source>the engine&apos;s answer could not be understood</source>
        <translation>无法理解引擎的应答</translation>
    </message>
    <message>
        <source>the engine has stopped</source>
        <translation>引擎已停止</translation>
    </message>
    <message>
        <source>the store is locked by another process</source>
        <translation>存储被另一进程锁定</translation>
    </message>
    <message>
        <source>the store is corrupt</source>
        <translation>存储已损坏</translation>
    </message>
    <message>
        <source>the store file is not a JobFirst store</source>
        <translation>存储文件不是 JobFirst 存储</translation>
    </message>
    <message>
        <source>the shared store cannot be reached</source>
        <translation>无法连接共享存储</translation>
    </message>
    <message>
        <source>the store cannot be opened</source>
        <translation>无法打开存储</translation>
    </message>
    <message>
        <source>reading the store failed</source>
        <translation>读取存储失败</translation>
    </message>
    <message>
        <source>this connection&apos;s role may not do this</source>
        <translation>此连接的角色无权执行此操作</translation>
    </message>
    <message>
        <source>the API token is not valid</source>
        <translation>API 令牌无效</translation>
    </message>
    <message>
        <source>a setting has a value the engine cannot use</source>
        <translation>某项设置的值引擎无法使用</translation>
    </message>
    <message>
        <source>a setting the engine does not know</source>
        <translation>引擎不认识的设置项</translation>
    </message>
    <message>
        <source>the config is not a valid JSON object</source>
        <translation>配置不是有效的 JSON 对象</translation>
    </message>
    <message>
        <source>the config is too large</source>
        <translation>配置过大</translation>
    </message>
    <message>
        <source>a secret still holds its masked value</source>
        <translation>某个密钥仍是掩码值</translation>
    </message>
    <message>
        <source>a secret is not acceptable</source>
        <translation>某个密钥不可接受</translation>
    </message>
    <message>
        <source>the config file cannot be read or written</source>
        <translation>无法读写配置文件</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>the file cannot be read</source>
        <translation>无法读取该文件</translation>
    </message>
    <message>
        <source>the file is not users in JSON Lines or CSV</source>
        <translation>该文件不是 JSON Lines 或 CSV 格式的用户数据</translation>
    </message>
</context>
<context>
    <name>QIODevice</name>
    <message>
        <source>Unknown error</source>
        <translation>未知错误</translation>
    </message>
</context>
<context>
    <name>Reason</name>
    <message>
        <source>ok</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>connection refused</source>
        <translation>连接被拒绝</translation>
    </message>
    <message>
        <source>request failed</source>
        <translation>请求失败</translation>
    </message>
    <message>
        <source>a new connection was refused</source>
        <translation>新连接被拒绝</translation>
    </message>
    <message>
        <source>the health answer is not valid JSON</source>
        <translation>健康检查应答不是有效的 JSON</translation>
    </message>
    <message numerus="yes">
        <source>%1 (%Ln checks failed in a row)</source>
        <translation>
            <numerusform>%1（连续 %Ln 次检查失败）</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 (%Ln checks failed in a row; checked at once because %2)</source>
        <translation>
            <numerusform>%1（连续 %Ln 次检查失败；因%2而立即检查）</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>ok (%Ln checks passed in a row)</source>
        <translation>
            <numerusform>正常（连续 %Ln 次检查通过）</numerusform>
        </translation>
    </message>
    <message>
        <source>no answer within %1 ms</source>
        <translation>%1 毫秒内无应答</translation>
    </message>
    <message>
        <source>answered HTTP %1</source>
        <translation>应答 HTTP %1</translation>
    </message>
    <message>
        <source>the health answer says &quot;%1&quot;</source>
        <translation>健康检查应答为“%1”</translation>
    </message>
    <message>
        <source>down for longer than node_timeout (%1 ms)</source>
        <translation>故障时间超过 node_timeout（%1 毫秒）</translation>
    </message>
    <message>
        <source>a real request failed: %1</source>
        <translation>真实请求失败：%1</translation>
    </message>
    <message>
        <source>the node closed its connection and %1</source>
        <translation>节点关闭了连接，且%1</translation>
    </message>
    <message>
        <source>a new connection got no answer within %1 ms</source>
        <translation>新连接在 %1 毫秒内无应答</translation>
    </message>
    <message>
        <source>answered HTTP %1: %2</source>
        <translation>应答 HTTP %1：%2</translation>
    </message>
    <message>
        <source>connection reset by peer</source>
        <translation>连接被对方重置</translation>
    </message>
    <message>
        <source>a new connection failed: %1</source>
        <translation>新连接失败：%1</translation>
    </message>
    <message>
        <source>checked by another daemon</source>
        <translation>由另一个守护进程检查</translation>
    </message>
</context>
<context>
    <name>State</name>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>up</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>down</source>
        <translation>故障</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失效</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>draining</source>
        <translation>排空中</translation>
    </message>
    <message>
        <source>maintenance</source>
        <translation>维护中</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>闭合</translation>
    </message>
    <message>
        <source>open</source>
        <translation>断开</translation>
    </message>
    <message>
        <source>half-open</source>
        <translation>半开</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 毫秒</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 分钟</translation>
    </message>
    <message>
        <source>%1 h</source>
        <translation>%1 小时</translation>
    </message>
    <message>
        <source>Needs the %1 role; this connection&apos;s role is %2.</source>
        <translation>需要%1角色；当前连接的角色是%2。</translation>
    </message>
    <message>
        <source>viewer</source>
        <translation>查看者</translation>
    </message>
    <message>
        <source>operator</source>
        <translation>操作员</translation>
    </message>
    <message>
        <source>admin</source>
        <translation>管理员</translation>
    </message>
    <message>
        <source>node</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>down — failed in %1</source>
        <translation>故障 — %1后判定失效</translation>
    </message>
    <message>
        <source>Held: deliveries for a target whose node is down, or that is paused or disabled. They are not being attempted, and go when the target is back.</source>
        <translation>暂扣：目标节点故障，或目标已暂停、已停用时等待的投递。它们不会被尝试，目标恢复后即投递。</translation>
    </message>
    <message>
        <source>%1 delivers from this store</source>
        <translation>%1 正在从此存储投递</translation>
    </message>
    <message>
        <source>the other daemons hold every partition (%1)</source>
        <translation>其他守护进程持有全部分区（%1）</translation>
    </message>
    <message>
        <source>not started yet</source>
        <translation>尚未启动</translation>
    </message>
    <message>
        <source>its lease renewal answered too late</source>
        <translation>租约续期的应答来得太晚</translation>
    </message>
    <message>
        <source>the store cannot be reached (%1)</source>
        <translation>无法连接存储（%1）</translation>
    </message>
    <message>
        <source>the sync outbox is not running</source>
        <translation>同步发件箱未在运行</translation>
    </message>
    <message>
        <source>the store is busy: another process is writing to it (%1)</source>
        <translation>存储正忙：另一个进程正在写入（%1）</translation>
    </message>
    <message>
        <source>the store&apos;s last write could not be synced to disk (%1)</source>
        <translation>存储最近一次写入未能同步到磁盘（%1）</translation>
    </message>
    <message>
        <source>Counted every second across daemons: what this engine accepts and delivers counts at once; what other daemons or processes on the store accept or deliver counts at its next recount (every 1 to 5 s).</source>
        <translation>每秒在各守护进程间计数：本引擎接收和投递的立即计入；存储上其他守护进程或进程接收或投递的，在下一次重新计数时计入（每 1 到 5 秒）。</translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::AlertsPage</name>
    <message>
        <source>Severity</source>
        <translation>级别</translation>
    </message>
    <message>
        <source>Alert</source>
        <translation>告警</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>resolved %1</source>
        <translation>已于 %1 解决</translation>
    </message>
    <message>
        <source>resolved (when is not known)</source>
        <translation>已解决（时间未知）</translation>
    </message>
    <message>
        <source>ongoing</source>
        <translation>持续中</translation>
    </message>
    <message>
        <source>Times</source>
        <translation>次数</translation>
    </message>
    <message>
        <source>First</source>
        <translation>首次</translation>
    </message>
    <message>
        <source>Last</source>
        <translation>最近</translation>
    </message>
    <message>
        <source>Alerts (%1)</source>
        <translation>告警（%1）</translation>
    </message>
    <message>
        <source>Alerts</source>
        <translation>告警</translation>
    </message>
    <message numerus="yes">
        <source>%Ln incident(s) open. Each incident is one row: raised once, counted while it lasts, resolved when its condition ends.</source>
        <translation>
            <numerusform>%Ln 个事件未解决。每个事件占一行：只告警一次，持续期间计数，条件结束时解决。</numerusform>
        </translation>
    </message>
    <message>
        <source>No incident is open. Each incident is one row: raised once, counted while it lasts, resolved when its condition ends.</source>
        <translation>没有未解决的事件。每个事件占一行：只告警一次，持续期间计数，条件结束时解决。</translation>
    </message>
    <message>
        <source>critical</source>
        <translation>严重</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>info</source>
        <translation>信息</translation>
    </message>
    <message>
        <source>Node %1 is down: %2</source>
        <translation>节点 %1 故障：%2</translation>
    </message>
    <message>
        <source>Node %1 failed (down longer than node_timeout)</source>
        <translation>节点 %1 失效（故障时间超过 node_timeout）</translation>
    </message>
    <message>
        <source>Node %1 is back up</source>
        <translation>节点 %1 已恢复</translation>
    </message>
    <message>
        <source>Deliveries to %1 keep failing: its circuit is open and its events wait</source>
        <translation>向 %1 的投递持续失败：其熔断器已断开，事件正在等待</translation>
    </message>
    <message>
        <source>Target %1 was disabled</source>
        <translation>目标 %1 已被停用</translation>
    </message>
    <message>
        <source>Sync backlog passed its threshold: %1 deliveries wait to be sent, held ones apart (threshold %2)</source>
        <translation>同步积压超过阈值：%1 个投递等待发送，不含暂扣的投递（阈值 %2）</translation>
    </message>
    <message>
        <source>Sync backlog passed its threshold</source>
        <translation>同步积压超过阈值</translation>
    </message>
    <message>
        <source>Config file %1 rejected; the running config is kept</source>
        <translation>配置文件 %1 被拒绝，继续使用当前运行的配置</translation>
    </message>
    <message>
        <source>Store %1 needs attention (%2)</source>
        <translation>存储 %1 需要处理（%2）</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>Node %1 is down</source>
        <translation>节点 %1 故障</translation>
    </message>
    <message numerus="yes">
        <source>Target %1 has %Ln dead letter(s) waiting to be retried or discarded</source>
        <translation>
            <numerusform>目标 %1 有 %Ln 条死信等待重试或丢弃</numerusform>
        </translation>
    </message>
    <message>
        <source>Target %1 has dead letters waiting to be retried or discarded</source>
        <translation>目标 %1 有死信等待重试或丢弃</translation>
    </message>
    <message>
        <source>%1 (%2 since %3)</source>
        <translation>%1（自 %3 起%2）</translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::AuditPage</name>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>操作人</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>对象</translation>
    </message>
    <message>
        <source>Before</source>
        <translation>变更前</translation>
    </message>
    <message>
        <source>After</source>
        <translation>变更后</translation>
    </message>
    <message>
        <source>node added</source>
        <translation>添加节点</translation>
    </message>
    <message>
        <source>node edited</source>
        <translation>编辑节点</translation>
    </message>
    <message>
        <source>node removed</source>
        <translation>移除节点</translation>
    </message>
    <message>
        <source>node weight changed</source>
        <translation>修改节点权重</translation>
    </message>
    <message>
        <source>node made ready</source>
        <translation>节点设为就绪</translation>
    </message>
    <message>
        <source>node drained</source>
        <translation>排空节点</translation>
    </message>
    <message>
        <source>node put in maintenance</source>
        <translation>节点进入维护</translation>
    </message>
    <message>
        <source>node marked failed</source>
        <translation>节点判定失效</translation>
    </message>
    <message>
        <source>dead letter retried</source>
        <translation>重试死信</translation>
    </message>
    <message>
        <source>dead letters replayed</source>
        <translation>重放死信</translation>
    </message>
    <message>
        <source>dead letter discarded</source>
        <translation>丢弃死信</translation>
    </message>
    <message>
        <source>consistency repaired</source>
        <translation>修复一致性</translation>
    </message>
    <message>
        <source>target paused</source>
        <translation>暂停目标</translation>
    </message>
    <message>
        <source>target resumed</source>
        <translation>恢复目标</translation>
    </message>
    <message>
        <source>target enabled</source>
        <translation>启用目标</translation>
    </message>
    <message>
        <source>target disabled</source>
        <translation>停用目标</translation>
    </message>
    <message>
        <source>target disabled by the engine</source>
        <translation>目标被引擎停用</translation>
    </message>
    <message>
        <source>configuration applied</source>
        <translation>应用配置</translation>
    </message>
    <message>
        <source>API token created</source>
        <translation>创建 API 令牌</translation>
    </message>
    <message>
        <source>API token revoked</source>
        <translation>吊销 API 令牌</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>审计日志</translation>
    </message>
    <message>
        <source>%1 at %2, health path %3, weight %4, %5%6</source>
        <translation>%1，地址 %2，健康检查路径 %3，权重 %4，%5%6</translation>
    </message>
    <message>
        <source>, tags %1</source>
        <translation>，标签 %1</translation>
    </message>
    <message>
        <source>the engine</source>
        <translation>引擎</translation>
    </message>
    <message>
        <source>dead letter</source>
        <translation>死信</translation>
    </message>
    <message>
        <source>waiting to be sent</source>
        <translation>等待发送</translation>
    </message>
    <message>
        <source>discarded</source>
        <translation>已丢弃</translation>
    </message>
    <message>
        <source>Audit chain: checking…</source>
        <translation>审计链：正在校验…</translation>
    </message>
    <message>
        <source>Audit chain: cannot be checked: %1</source>
        <translation>审计链：无法校验：%1</translation>
    </message>
    <message numerus="yes">
        <source>Audit chain verifies: %Ln entries, none changed, removed or cut.</source>
        <translation>
            <numerusform>审计链校验通过：共 %Ln 条，无改动、删除或截断。</numerusform>
        </translation>
    </message>
    <message>
        <source>Audit chain BROKEN at entry %1: the log was changed outside the engine.</source>
        <translation>审计链在第 %1 条处断裂：日志曾在引擎之外被改动。</translation>
    </message>
    <message>
        <source>Audit chain BROKEN at entry %1 (%2, %3, %4), marked in the table: the log was changed outside the engine, at this entry or just before it.</source>
        <translation>审计链在第 %1 条（%2，%3，%4，已在表中标出）处断裂：日志曾在引擎之外被改动，就在这一条或紧挨它之前。</translation>
    </message>
    <message>
        <source>The audit chain breaks here: this entry, or one just before it, was changed or removed outside the engine.</source>
        <translation>审计链在此处断裂：这一条或紧挨它之前的一条曾在引擎之外被改动或删除。</translation>
    </message>
    <message>
        <source>backup made</source>
        <translation>创建备份</translation>
    </message>
    <message>
        <source>all targets</source>
        <translation>全部目标</translation>
    </message>
    <message numerus="yes">
        <source>%Ln deliveries queued again</source>
        <translation>
            <numerusform>%Ln 个投递已重新排队</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 (rolling back to version %2)</source>
        <translation>%1（回滚到版本 %2）</translation>
    </message>
    <message>
        <source>version %1</source>
        <translation>版本 %1</translation>
    </message>
    <message>
        <source>backup restored</source>
        <translation>恢复备份</translation>
    </message>
    <message>
        <source>daemon forgotten</source>
        <translation>移除守护进程</translation>
    </message>
    <message>
        <source>Select an entry to see what it changed.</source>
        <translation>选择一条记录，查看它改变了什么。</translation>
    </message>
    <message>
        <source>Before: %1
After: %2</source>
        <translation>之前：%1
之后：%2</translation>
    </message>
    <message>
        <source>(nothing)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>No key changed: the configuration was applied as it was.</source>
        <translation>没有键改变：配置按原样应用。</translation>
    </message>
    <message numerus="yes">
        <source>%Ln key(s) changed:</source>
        <translation>
            <numerusform>%Ln 个键已改变：</numerusform>
        </translation>
    </message>
    <message>
        <source>%1: added, %2</source>
        <translation>%1：新增，%2</translation>
    </message>
    <message>
        <source>%1: removed (was %2)</source>
        <translation>%1：已删除（原为 %2）</translation>
    </message>
    <message>
        <source>%1: %2 → %3</source>
        <translation>%1：%2 → %3</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>no key changed</source>
        <translation>没有键改变</translation>
    </message>
    <message>
        <source>Filter by who, action, subject or value</source>
        <translation>按操作人、操作、对象或值筛选</translation>
    </message>
    <message>
        <source>No entries match &quot;%1&quot;.</source>
        <translation>没有与“%1”匹配的条目。</translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::BalancingPage</name>
    <message>
        <source>Round robin</source>
        <translation>轮询</translation>
    </message>
    <message>
        <source>Least connections</source>
        <translation>最少连接</translation>
    </message>
    <message>
        <source>Weighted round robin</source>
        <translation>加权轮询</translation>
    </message>
    <message>
        <source>IP hash</source>
        <translation>IP 哈希</translation>
    </message>
    <message>
        <source>Power of two choices</source>
        <translation>二选一（P2C）</translation>
    </message>
    <message>
        <source>Live balancer</source>
        <translation>实时负载均衡</translation>
    </message>
    <message>
        <source>Strategy for real traffic:</source>
        <translation>真实流量使用的策略：</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>应用</translation>
    </message>
    <message>
        <source>Load current nodes</source>
        <translation>载入当前节点</translation>
    </message>
    <message>
        <source>Arrival rate (requests/s)</source>
        <translation>到达速率（请求/秒）</translation>
    </message>
    <message>
        <source>Requests to simulate</source>
        <translation>模拟请求数</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>Run simulation</source>
        <translation>运行模拟</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Node</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>Capacity (concurrent)</source>
        <translation>容量（并发）</translation>
    </message>
    <message>
        <source>Latency (ms)</source>
        <translation>延迟（毫秒）</translation>
    </message>
    <message>
        <source>Queue limit</source>
        <translation>队列上限</translation>
    </message>
    <message>
        <source>Strategy</source>
        <translation>策略</translation>
    </message>
    <message>
        <source>Served</source>
        <translation>已处理</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>曾排队</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>被拒绝</translation>
    </message>
    <message>
        <source>p50 (ms)</source>
        <translation>p50（毫秒）</translation>
    </message>
    <message>
        <source>p95 (ms)</source>
        <translation>p95（毫秒）</translation>
    </message>
    <message>
        <source>p99 (ms)</source>
        <translation>p99（毫秒）</translation>
    </message>
    <message>
        <source>Requests per node</source>
        <translation>各节点请求数</translation>
    </message>
    <message>
        <source>Cannot simulate: %1</source>
        <translation>无法模拟：%1</translation>
    </message>
    <message>
        <source>Simulating %1 requests per strategy…</source>
        <translation>每种策略模拟 %1 个请求……</translation>
    </message>
    <message>
        <source>%1 simulated requests in %2 s (%3 million per second).</source>
        <translation>%2 秒内模拟了 %1 个请求（每秒 %3 百万）。</translation>
    </message>
    <message>
        <source>Balancing</source>
        <translation>负载均衡</translation>
    </message>
    <message>
        <source>Cancelled: the row marked &quot;partial&quot; stopped part-way and is not comparable.</source>
        <translation>已取消：标为“部分”的行中途停止，不可比较。</translation>
    </message>
    <message>
        <source>%1 (partial)</source>
        <translation>%1（部分）</translation>
    </message>
    <message>
        <source>%1
%2: %3 requests</source>
        <translation>%1
%2：%3 个请求</translation>
    </message>
    <message>
        <source>The table follows the cluster&apos;s nodes that take traffic until you edit a cell; this replaces your edits with those nodes as they are now.</source>
        <translation>在您编辑单元格之前，此表随集群中承接流量的节点自动更新；点击此按钮会用这些节点的当前状态替换您的编辑。</translation>
    </message>
    <message>
        <source>Not loaded, taking no traffic now: %1</source>
        <translation>未载入（当前不承接流量）：%1</translation>
    </message>
    <message numerus="yes">
        <source>%1 and %Ln more</source>
        <translation>
            <numerusform>%1 等另外 %Ln 个</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Run at %1 over %Ln node(s): %2.</source>
        <translation>
            <numerusform>%1 运行，共 %Ln 个节点：%2。</numerusform>
        </translation>
    </message>
    <message>
        <source>Out of date: the nodes taking traffic changed since (a node down, back, added, removed or reweighted). Run it again for the nodes as they are.</source>
        <translation>已过期：此后承载流量的节点已变化（节点宕机、恢复、添加、移除或权重变化）。请重新运行，按当前的节点模拟。</translation>
    </message>
    <message>
        <source>Requests per node (out of date)</source>
        <translation>各节点请求数（已过期）</translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::ConfigPage</name>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Applied</source>
        <translation>应用时间</translation>
    </message>
    <message>
        <source>By</source>
        <translation>操作人</translation>
    </message>
    <message>
        <source>Validate</source>
        <translation>校验</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>应用</translation>
    </message>
    <message>
        <source>Revert to running</source>
        <translation>恢复为运行中的配置</translation>
    </message>
    <message>
        <source>Compare with running…</source>
        <translation>与运行中的配置比较……</translation>
    </message>
    <message>
        <source>Roll back to this version…</source>
        <translation>回滚到此版本……</translation>
    </message>
    <message>
        <source>The config file changed on disk but could not be used; the running config is kept.
%1</source>
        <translation>磁盘上的配置文件已更改但无法使用，继续使用当前运行的配置。
%1</translation>
    </message>
    <message>
        <source>Version %1 (-) against the running config (+)</source>
        <translation>版本 %1（-）与运行中的配置（+）对比</translation>
    </message>
    <message>
        <source>Lines marked - are only in version %1, lines marked + only in the running config.</source>
        <translation>标 - 的行只出现在版本 %1，标 + 的行只出现在运行中的配置里。</translation>
    </message>
    <message>
        <source>No differences: version %1 is the configuration running now.</source>
        <translation>没有差异：版本 %1 就是当前运行的配置。</translation>
    </message>
    <message>
        <source>Roll back</source>
        <translation>回滚</translation>
    </message>
    <message>
        <source>Configuration</source>
        <translation>配置</translation>
    </message>
    <message>
        <source>The running config changed while you were editing. Your edits are kept: Apply them over it, or Revert to running to see what runs now.</source>
        <translation>你编辑期间运行中的配置已改变。你的编辑已保留：可点击“应用”用它覆盖，或点击“恢复为运行中的配置”查看现在运行的配置。</translation>
    </message>
    <message>
        <source>Not applied: %1</source>
        <translation>未应用：%1</translation>
    </message>
    <message>
        <source>Applied as version %1.</source>
        <translation>已应用为版本 %1。</translation>
    </message>
    <message>
        <source>Version %1 applied again as version %2.</source>
        <translation>版本 %1 已重新应用为版本 %2。</translation>
    </message>
    <message>
        <source>Not rolled back: %1</source>
        <translation>未回滚：%1</translation>
    </message>
    <message>
        <source>Line %1, column %2: %3</source>
        <translation>第 %1 行第 %2 列：%3</translation>
    </message>
    <message>
        <source>The configuration is valid.</source>
        <translation>配置有效。</translation>
    </message>
    <message>
        <source>Version %1 rolled back to version %2.</source>
        <translation>版本 %1 回滚到了版本 %2。</translation>
    </message>
    <message>
        <source>%1, back to %2</source>
        <translation>%1，回滚到 %2</translation>
    </message>
    <message>
        <source>Roll back to version %1, applied %2 by %3?</source>
        <translation>回滚到版本 %1（%2 由 %3 应用）？</translation>
    </message>
    <message>
        <source>No change: it is the configuration running now.</source>
        <translation>没有变化：它就是当前运行的配置。</translation>
    </message>
    <message>
        <source>Keys that change: %1</source>
        <translation>将改变的键：%1</translation>
    </message>
    <message>
        <source>Your edits in the editor are not applied and will be discarded: the editor will show version %1. Cancel to keep them.</source>
        <translation>编辑器中未应用的修改将被丢弃：编辑器将显示版本 %1。点击“取消”可保留这些修改。</translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::ConnectDialog</name>
    <message>
        <source>Connect to an engine</source>
        <translation>连接到引擎</translation>
    </message>
    <message>
        <source>jft_… (jobfirstctl token create prints one)</source>
        <translation>jft_……（jobfirstctl token create 会生成一个）</translation>
    </message>
    <message>
        <source>only for https with a private CA</source>
        <translation>仅用于使用私有 CA 的 https</translation>
    </message>
    <message>
        <source>Remember on this computer (the token is kept in a file only you can read)</source>
        <translation>在此计算机上记住（令牌保存在只有您能读取的文件中）</translation>
    </message>
    <message>
        <source>From file…</source>
        <translation>从文件……</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览……</translation>
    </message>
    <message>
        <source>Engine URL:</source>
        <translation>引擎 URL：</translation>
    </message>
    <message>
        <source>Token:</source>
        <translation>令牌：</translation>
    </message>
    <message>
        <source>CA certificates:</source>
        <translation>CA 证书：</translation>
    </message>
    <message>
        <source>CA certificates (PEM)</source>
        <translation>CA 证书（PEM）</translation>
    </message>
    <message>
        <source>PEM (*.pem *.crt);;All files (*)</source>
        <translation>PEM (*.pem *.crt);;所有文件 (*)</translation>
    </message>
    <message>
        <source>A token has no spaces.</source>
        <translation>令牌中不含空格。</translation>
    </message>
    <message>
        <source>Token file</source>
        <translation>令牌文件</translation>
    </message>
    <message>
        <source>The engine URL must start with http:// or https://, e.g. http://127.0.0.1:8700.</source>
        <translation>引擎 URL 必须以 http:// 或 https:// 开头，例如 http://127.0.0.1:8700。</translation>
    </message>
    <message>
        <source>The engine URL has no host: give http://HOST:PORT or https://HOST:PORT.</source>
        <translation>引擎 URL 中没有主机：请填写 http://主机:端口 或 https://主机:端口。</translation>
    </message>
    <message>
        <source>The engine URL may not hold a user or password: the token says who you are.</source>
        <translation>引擎 URL 中不能包含用户名或密码：你的身份由令牌表明。</translation>
    </message>
    <message>
        <source>Give only the scheme, host and port of the engine (%1), without &quot;%2&quot;.</source>
        <translation>只填写引擎的协议、主机和端口（%1），不要带“%2”。</translation>
    </message>
    <message>
        <source>The port of the engine URL must be a number from 1 to 65535.</source>
        <translation>引擎 URL 的端口必须是 1 到 65535 之间的数字。</translation>
    </message>
    <message>
        <source>The token remembered for this engine cannot be read: %1</source>
        <translation>无法读取为此引擎记住的令牌：%1</translation>
    </message>
    <message>
        <source>The token remembered for this engine is filled in.</source>
        <translation>已填入为此引擎记住的令牌。</translation>
    </message>
    <message>
        <source>Not remembered: connecting deletes the token this computer remembers for this engine, so the next start does not use it.</source>
        <translation>不记住：连接时会删除本机为此引擎记住的令牌，下次启动不会再使用它。</translation>
    </message>
    <message>
        <source>The token remembered for this engine cannot be deleted: %1</source>
        <translation>无法删除为此引擎记住的令牌：%1</translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::DaemonsPage</name>
    <message>
        <source>Daemons</source>
        <translation>守护进程</translation>
    </message>
    <message>
        <source>Daemon</source>
        <translation>守护进程</translation>
    </message>
    <message>
        <source>%1 (this one)</source>
        <translation>%1（本进程）</translation>
    </message>
    <message>
        <source>(not delivering)</source>
        <translation>（未投递）</translation>
    </message>
    <message>
        <source>Heartbeat</source>
        <translation>心跳</translation>
    </message>
    <message>
        <source>%1 ago</source>
        <translation>%1前</translation>
    </message>
    <message>
        <source>Partitions</source>
        <translation>分区</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>已投递</translation>
    </message>
    <message>
        <source>Per second</source>
        <translation>每秒</translation>
    </message>
    <message>
        <source>Admin API</source>
        <translation>管理 API</translation>
    </message>
    <message numerus="yes">
        <source>%Ln: %1</source>
        <translation>
            <numerusform>%Ln 个：%1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln engine(s) on this store.</source>
        <translation>
            <numerusform>此存储上有 %Ln 个引擎。</numerusform>
        </translation>
    </message>
    <message>
        <source>just now</source>
        <translation>刚刚</translation>
    </message>
    <message>
        <source>Cannot read the daemons (their last state is not shown): %1</source>
        <translation>无法读取守护进程（不显示其上次状态）：%1</translation>
    </message>
    <message>
        <source>%1 since %2</source>
        <translation>%1（自 %2 起）</translation>
    </message>
    <message>
        <source>Delivered since this daemon started at %1; the count starts again when it restarts.</source>
        <translation>自此守护进程于 %1 启动以来的投递数；它重启后重新计数。</translation>
    </message>
    <message>
        <source>all</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Another process delivers from this store; its counts are its own.</source>
        <translation>另一个进程从此存储投递；其计数归它自己所有，此处不可知。</translation>
    </message>
    <message>
        <source>Its lease: %1 s. Should it stop, what it delivers passes to another engine that long after its last claim.</source>
        <translation>租约：%1 秒。若它停止，它负责投递的内容会在其最后一次续约后经过这么久转交给另一个引擎。</translation>
    </message>
    <message>
        <source>late: not heard from for %1</source>
        <translation>延迟：已 %1 未收到心跳</translation>
    </message>
    <message>
        <source>gone: not heard from for %1</source>
        <translation>已失联：已 %1 未收到心跳</translation>
    </message>
    <message>
        <source>Its heartbeat is late: it may be stopped, paused or cut off from the store. Its partitions pass to the others once its lease has lapsed.</source>
        <translation>它的心跳已延迟：它可能已停止、暂停或与存储断开。其租约过期后，它的分区将转给其他守护进程。</translation>
    </message>
    <message>
        <source>Late, and its partition leases have lapsed: its partitions have passed to the others. An admin can forget it; else its row goes after an hour.</source>
        <translation>心跳已延迟，且其分区租约已过期：它的分区已转给其他守护进程。管理员可以将它移除；否则它的记录在一小时后删除。</translation>
    </message>
    <message>
        <source>Forget daemon…</source>
        <translation>移除守护进程…</translation>
    </message>
    <message>
        <source>Removes the row of %1 from the store.</source>
        <translation>从存储中删除 %1 的记录。</translation>
    </message>
    <message>
        <source>Select a daemon that is gone (late, and its partition leases have lapsed) to forget it.</source>
        <translation>选择一个已失联的守护进程（心跳已延迟，且其分区租约已过期）即可将它移除。</translation>
    </message>
    <message>
        <source>Forget daemon</source>
        <translation>移除守护进程</translation>
    </message>
    <message>
        <source>Forget daemon %1, not heard from for %2? Its row is removed from the store; if it runs again, it lists itself again.</source>
        <translation>移除已 %2 未收到心跳的守护进程 %1？它的记录将从存储中删除；如果它再次运行，会重新登记自己。</translation>
    </message>
    <message>
        <source>Daemon %1 forgotten.</source>
        <translation>已移除守护进程 %1。</translation>
    </message>
    <message>
        <source>Daemon %1 not forgotten: %2</source>
        <translation>未能移除守护进程 %1：%2</translation>
    </message>
    <message numerus="yes">
        <source>%Ln engine(s) on this store; not heard from: %1 late, %2 gone.</source>
        <translation>
            <numerusform>此存储上有 %Ln 个引擎；未收到心跳：%1 个延迟，%2 个已失联。</numerusform>
        </translation>
    </message>
    <message>
        <source>Not heard from for %1, longer than a live daemon stays silent (%2 s): the rate it last wrote is not known to hold now.</source>
        <translation>已 %1 未收到它的心跳，超过运行中的守护进程最长的静默时间（%2 秒）：它最后写下的速率不一定是现在的速率。</translation>
    </message>
    <message>
        <source>The daemons cannot be read now, so daemon %1 is not known to be gone: %2</source>
        <translation>现在无法读取守护进程，因此不知道守护进程 %1 是否已失联：%2</translation>
    </message>
    <message>
        <source>Daemon %1 is heard from again (%2): it is not gone, so it is not forgotten.</source>
        <translation>又收到了守护进程 %1 的心跳（%2）：它没有失联，因此不会被移除。</translation>
    </message>
    <message>
        <source>Daemon %1 is no longer listed: there is nothing to forget.</source>
        <translation>守护进程 %1 已不在列表中：没有可移除的内容。</translation>
    </message>
    <message>
        <source>Daemon %1 not forgotten: it is not gone.</source>
        <translation>未移除守护进程 %1：它没有失联。</translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::LiveChart</name>
    <message>
        <source>no answer</source>
        <translation>无应答</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>%1 (not live since %2)</source>
        <translation>%1（自 %2 起非实时）</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <comment>chart title (unit)</comment>
        <translation>%1（%2）</translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::LogsPage</name>
    <message>
        <source>debug</source>
        <translation>调试</translation>
    </message>
    <message>
        <source>info</source>
        <translation>信息</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Node %1: %2 → %3 (%4)</source>
        <translation>节点 %1：%2 → %3（%4）</translation>
    </message>
    <message>
        <source>Engine started on %1</source>
        <translation>引擎已在 %1 上启动</translation>
    </message>
    <message>
        <source>Engine stopped</source>
        <translation>引擎已停止</translation>
    </message>
    <message>
        <source>Config version %1 applied by %2</source>
        <translation>配置版本 %1 已由 %2 应用</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>级别</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Node or target</source>
        <translation>节点或目标</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>Export log lines</source>
        <translation>导出日志行</translation>
    </message>
    <message>
        <source>JSON Lines (*.jsonl)</source>
        <translation>JSON Lines (*.jsonl)</translation>
    </message>
    <message>
        <source>Level at least</source>
        <translation>最低级别</translation>
    </message>
    <message>
        <source>Node</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>目标</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>Only from … to</source>
        <translation>仅限从……到</translation>
    </message>
    <message>
        <source>Follow live</source>
        <translation>实时跟踪</translation>
    </message>
    <message>
        <source>Apply filters</source>
        <translation>应用筛选</translation>
    </message>
    <message>
        <source>Export as JSON Lines…</source>
        <translation>导出为 JSON Lines……</translation>
    </message>
    <message>
        <source>in the message</source>
        <translation>在消息中</translation>
    </message>
    <message numerus="yes">
        <source>%Ln line(s), newest first.</source>
        <translation>
            <numerusform>共 %Ln 行，最新的在前。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln line(s) written to %1.</source>
        <translation>
            <numerusform>已将 %Ln 行写入 %1。</numerusform>
        </translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>Logs</source>
        <translation>日志</translation>
    </message>
    <message>
        <source>health</source>
        <translation>健康</translation>
    </message>
    <message>
        <source>alert</source>
        <translation>告警</translation>
    </message>
    <message>
        <source>delivery</source>
        <translation>投递</translation>
    </message>
    <message>
        <source>engine</source>
        <translation>引擎</translation>
    </message>
    <message>
        <source>configuration</source>
        <translation>配置</translation>
    </message>
    <message>
        <source>sync</source>
        <translation>同步</translation>
    </message>
    <message>
        <source>cluster</source>
        <translation>集群</translation>
    </message>
    <message>
        <source>store</source>
        <translation>存储</translation>
    </message>
    <message>
        <source>audit</source>
        <translation>审计</translation>
    </message>
    <message>
        <source>API</source>
        <translation>API</translation>
    </message>
    <message>
        <source>Resolved: %1</source>
        <translation>已解决：%1</translation>
    </message>
    <message>
        <source>%1: %2 %3</source>
        <translation>%1：%2 %3</translation>
    </message>
    <message>
        <source>Delivery: this process delivers from the store</source>
        <translation>投递：由本进程从存储投递</translation>
    </message>
    <message>
        <source>Delivery: another process delivers (%1)</source>
        <translation>投递：由另一个进程投递（%1）</translation>
    </message>
    <message>
        <source>Delivery: no process delivers from this store</source>
        <translation>投递：没有进程从此存储投递</translation>
    </message>
    <message>
        <source>cluster_secret is empty: cluster sync to the nodes goes out unsigned</source>
        <translation>cluster_secret 为空：发往节点的集群同步未签名</translation>
    </message>
    <message>
        <source>Target %1 has no secret: its deliveries go out unsigned</source>
        <translation>目标 %1 没有密钥：其投递未签名</translation>
    </message>
    <message numerus="yes">
        <source>%Ln delivery(ies) to %1 became dead letters: %2</source>
        <translation>
            <numerusform>发往 %1 的 %Ln 个投递成为死信：%2</numerusform>
        </translation>
    </message>
    <message>
        <source>Delivery: this process stands by: %1</source>
        <translation>投递：本进程待命：%1</translation>
    </message>
    <message numerus="yes">
        <source>Health checks follow %Ln partition(s) here (were %1): %2</source>
        <translation>
            <numerusform>本进程负责 %Ln 个分区的健康检查（原为 %1 个）：%2</numerusform>
        </translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::MainWindow</name>
    <message>
        <source>Open cluster store</source>
        <translation>打开集群存储</translation>
    </message>
    <message>
        <source>Cluster stores (*.db);;All files (*)</source>
        <translation>集群存储 (*.db);;所有文件 (*)</translation>
    </message>
    <message>
        <source>New cluster store</source>
        <translation>新建集群存储</translation>
    </message>
    <message>
        <source>Cluster stores (*.db)</source>
        <translation>集群存储 (*.db)</translation>
    </message>
    <message>
        <source>Import configuration</source>
        <translation>导入配置</translation>
    </message>
    <message>
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <source>Export configuration</source>
        <translation>导出配置</translation>
    </message>
    <message>
        <source>About JobFirst Cluster Console</source>
        <translation>关于 JobFirst 集群控制台</translation>
    </message>
    <message>
        <source>&lt;b&gt;JobFirst Cluster Console&lt;/b&gt; %1&lt;br&gt;Keeps JobFirst user data in sync across the Basic Server cluster and the six JobFirst services, and shows whether it did.&lt;br&gt;&lt;br&gt;Store: %2&lt;br&gt;Config: %3</source>
        <translation>&lt;b&gt;JobFirst 集群控制台&lt;/b&gt; %1&lt;br&gt;让 JobFirst 用户数据在 Basic Server 集群与六个 JobFirst 微服务之间保持同步，并展示同步是否完成。&lt;br&gt;&lt;br&gt;存储：%2&lt;br&gt;配置：%3</translation>
    </message>
    <message>
        <source>built-in defaults</source>
        <translation>内置默认值</translation>
    </message>
    <message>
        <source>JobFirst Cluster Console</source>
        <translation>JobFirst 集群控制台</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open cluster store…</source>
        <translation>打开集群存储(&amp;O)……</translation>
    </message>
    <message>
        <source>&amp;New cluster store…</source>
        <translation>新建集群存储(&amp;N)……</translation>
    </message>
    <message>
        <source>&amp;Import configuration…</source>
        <translation>导入配置(&amp;I)……</translation>
    </message>
    <message>
        <source>&amp;Export configuration…</source>
        <translation>导出配置(&amp;E)……</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Refresh interval</source>
        <translation>刷新间隔(&amp;R)</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 毫秒</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About</source>
        <translation>关于(&amp;A)</translation>
    </message>
    <message>
        <source>Demo cluster: three simulated Basic Server nodes and the six JobFirst services run as local processes on this machine, with a steady stream of user events. Nothing here touches a real cluster.</source>
        <translation>演示集群：三个模拟的 Basic Server 节点和六个 JobFirst 微服务作为本机进程运行，并持续产生用户事件。这里的操作不会影响任何真实集群。</translation>
    </message>
    <message>
        <source>Cluster %1</source>
        <translation>集群 %1</translation>
    </message>
    <message>
        <source>Sync backlog: %1</source>
        <translation>同步积压：%1</translation>
    </message>
    <message>
        <source>JobFirst cluster</source>
        <translation>JobFirst 集群</translation>
    </message>
    <message>
        <source>&amp;Connect to engine…</source>
        <translation>连接到引擎(&amp;C)……</translation>
    </message>
    <message>
        <source>Use &amp;embedded engine</source>
        <translation>使用内嵌引擎(&amp;E)</translation>
    </message>
    <message>
        <source>Engine %1 (%2)</source>
        <translation>引擎 %1（%2）</translation>
    </message>
    <message>
        <source>Embedded engine</source>
        <translation>内嵌引擎</translation>
    </message>
    <message>
        <source>Demo cluster</source>
        <translation>演示集群</translation>
    </message>
    <message>
        <source>Engine at %1</source>
        <translation>%1 上的引擎</translation>
    </message>
    <message>
        <source>&amp;Cluster</source>
        <translation>集群(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Add node…</source>
        <translation>添加节点(&amp;A)……</translation>
    </message>
    <message>
        <source>Nodes: %1 up, %2 down, %3 failed (%4 in all)</source>
        <translation>节点：%1 个正常，%2 个故障，%3 个失效（共 %4 个）</translation>
    </message>
    <message>
        <source>&amp;Backup…</source>
        <translation>备份(&amp;B)…</translation>
    </message>
    <message>
        <source>Backup the cluster store</source>
        <translation>备份集群存储</translation>
    </message>
    <message>
        <source>JobFirst backups (*.jfbackup)</source>
        <translation>JobFirst 备份 (*.jfbackup)</translation>
    </message>
    <message>
        <source>Backup passphrase</source>
        <translation>备份口令</translation>
    </message>
    <message>
        <source>Passphrase (at least 12 characters; without it the backup cannot be read):</source>
        <translation>口令（至少 12 个字符；没有它就无法读取备份）：</translation>
    </message>
    <message>
        <source>The same passphrase again:</source>
        <translation>再次输入相同的口令：</translation>
    </message>
    <message>
        <source>The two passphrases differ: no backup was made.</source>
        <translation>两次输入的口令不同：未创建备份。</translation>
    </message>
    <message>
        <source>Making a backup at %1…</source>
        <translation>正在 %1 创建备份…</translation>
    </message>
    <message>
        <source>Backup made at %1 (%2 KiB, encrypted).</source>
        <translation>已在 %1 创建备份（%2 KiB，已加密）。</translation>
    </message>
    <message>
        <source>&amp;Restore…</source>
        <translation>恢复(&amp;R)…</translation>
    </message>
    <message>
        <source>%1 pending, %2 held</source>
        <translation>待投递 %1，暂扣 %2</translation>
    </message>
    <message>
        <source>Sync backlog: not known while the store cannot be reached</source>
        <translation>同步积压：无法连接存储，暂时未知</translation>
    </message>
    <message>
        <source>Sync backlog: %1 (delivery stands by: %2)</source>
        <translation>同步积压：%1（投递待命：%2）</translation>
    </message>
    <message>
        <source>The engine has sent nothing new since %1: it may be waiting for its store. What is on screen is from then and is not live.</source>
        <translation>引擎自 %1 起没有发来任何新数据：它可能正在等待其存储。屏幕上的内容来自那时，并非实时数据。</translation>
    </message>
    <message numerus="yes">
        <source>Connection to the engine at %1 lost at %3. Reconnecting: %n attempt(s) failed, the latest with: %2. Next attempt at %4. What is on screen is from before the connection was lost and is not live.</source>
        <translation>
            <numerusform>与 %1 的引擎连接于 %3 断开。正在重新连接：已失败 %n 次，最近一次：%2。下次尝试于 %4。屏幕上的内容来自断开之前，并非实时数据。</numerusform>
        </translation>
    </message>
    <message>
        <source>Connection to the engine at %1 lost at %3: %2. Reconnecting at %4… What is on screen is from before the connection was lost and is not live.</source>
        <translation>与 %1 的引擎连接于 %3 断开：%2。将于 %4 重新连接……屏幕上的内容来自断开之前，并非实时数据。</translation>
    </message>
    <message>
        <source>Connection to the engine at %1 lost at %3: %2. What is on screen is from before the connection was lost and is not live.</source>
        <translation>与 %1 的引擎连接于 %3 断开：%2。屏幕上的内容来自断开之前，并非实时数据。</translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::NodeDialog</name>
    <message>
        <source>Use 1-64 letters, digits, &apos;.&apos;, &apos;_&apos; or &apos;-&apos;, starting with a letter or digit.</source>
        <translation>请使用 1-64 个字母、数字、“.”、“_”或“-”，并以字母或数字开头。</translation>
    </message>
    <message>
        <source>The URL must start with http:// or https://.</source>
        <translation>URL 必须以 http:// 或 https:// 开头。</translation>
    </message>
    <message>
        <source>The URL has no host.</source>
        <translation>URL 缺少主机名。</translation>
    </message>
    <message>
        <source>Enter the node&apos;s URL, e.g. http://10.0.0.5:8080.</source>
        <translation>请输入节点 URL，例如 http://10.0.0.5:8080。</translation>
    </message>
    <message>
        <source>The URL is malformed.</source>
        <translation>URL 格式不正确。</translation>
    </message>
    <message>
        <source>The health path must start with &apos;/&apos; and contain no spaces.</source>
        <translation>健康检查路径必须以“/”开头且不含空格。</translation>
    </message>
    <message>
        <source>The weight must be a whole number from 1 to 256.</source>
        <translation>权重必须是 1 到 256 之间的整数。</translation>
    </message>
    <message>
        <source>Tags are separated by commas and may not be empty.</source>
        <translation>标签以逗号分隔，且不能为空。</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>测试连接</translation>
    </message>
    <message>
        <source>Edit node</source>
        <translation>编辑节点</translation>
    </message>
    <message>
        <source>Add node</source>
        <translation>添加节点</translation>
    </message>
    <message>
        <source>e.g. beijing,primary</source>
        <translation>例如 beijing,primary</translation>
    </message>
    <message>
        <source>Node ID</source>
        <translation>节点 ID</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>Health path</source>
        <translation>健康检查路径</translation>
    </message>
    <message>
        <source>Weight (1-256)</source>
        <translation>权重（1-256）</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>A node with this ID already exists.</source>
        <translation>已存在相同 ID 的节点。</translation>
    </message>
    <message>
        <source>The cluster is full: max_nodes is %1. Remove a node or raise max_nodes first.</source>
        <translation>集群已满：max_nodes 为 %1。请先移除节点或调高 max_nodes。</translation>
    </message>
    <message>
        <source>Checking %1 …</source>
        <translation>正在检查 %1 ……</translation>
    </message>
    <message>
        <source>Healthy (%1 ms)</source>
        <translation>健康（%1 毫秒）</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>失败：%1</translation>
    </message>
    <message>
        <source>TLS and authentication (files on the engine&apos;s machine)</source>
        <translation>TLS 与认证（引擎所在机器上的文件）</translation>
    </message>
    <message>
        <source>path, optional</source>
        <translation>路径，可选</translation>
    </message>
    <message>
        <source>CA certificates (PEM)</source>
        <translation>CA 证书（PEM）</translation>
    </message>
    <message>
        <source>Client certificate (mTLS)</source>
        <translation>客户端证书（mTLS）</translation>
    </message>
    <message>
        <source>Client key</source>
        <translation>客户端私钥</translation>
    </message>
    <message>
        <source>Bearer token file</source>
        <translation>Bearer 令牌文件</translation>
    </message>
    <message>
        <source>Do not verify the node&apos;s certificate</source>
        <translation>不校验节点证书</translation>
    </message>
    <message>
        <source>Insecure: anyone between the engine and this node can read and change its traffic.</source>
        <translation>不安全：引擎与该节点之间的任何人都能读取并篡改其流量。</translation>
    </message>
    <message>
        <source>The URL is longer than 2,048 bytes.</source>
        <translation>URL 超过 2,048 字节。</translation>
    </message>
    <message>
        <source>The URL contains a space: remove it (in a path, write it as %20).</source>
        <translation>URL 中含有空格：请删除（路径中请写作 %20）。</translation>
    </message>
    <message>
        <source>The host is not a valid host name or IP address.</source>
        <translation>主机不是有效的主机名或 IP 地址。</translation>
    </message>
    <message>
        <source>The port must be a number from 1 to 65535.</source>
        <translation>端口必须是 1 到 65535 之间的数字。</translation>
    </message>
    <message>
        <source>The URL holds a user name or password: use a token file or a client certificate instead.</source>
        <translation>URL 中含有用户名或密码：请改用令牌文件或客户端证书。</translation>
    </message>
    <message>
        <source>Not changed: %1</source>
        <translation>未更改：%1</translation>
    </message>
    <message>
        <source>Not added: %1</source>
        <translation>未添加：%1</translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::NodesPage</name>
    <message>
        <source>Latency of the selected node</source>
        <translation>所选节点的延迟</translation>
    </message>
    <message>
        <source>ms</source>
        <translation>毫秒</translation>
    </message>
    <message>
        <source>Node</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Admin</source>
        <translation>管理状态</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>Connections</source>
        <translation>连接数</translation>
    </message>
    <message>
        <source>Response (ms)</source>
        <translation>响应（毫秒）</translation>
    </message>
    <message>
        <source>Success %</source>
        <translation>成功率 %</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>请求数</translation>
    </message>
    <message>
        <source>Last check</source>
        <translation>最近检查</translation>
    </message>
    <message>
        <source>Changed</source>
        <translation>状态变更</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>From</source>
        <translation>原状态</translation>
    </message>
    <message>
        <source>To</source>
        <translation>新状态</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>添加……</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>编辑……</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Drain</source>
        <translation>排空</translation>
    </message>
    <message>
        <source>Maintenance</source>
        <translation>维护</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>Weight…</source>
        <translation>权重……</translation>
    </message>
    <message>
        <source>Check now</source>
        <translation>立即检查</translation>
    </message>
    <message>
        <source>Filter nodes</source>
        <translation>筛选节点</translation>
    </message>
    <message>
        <source>Remove node</source>
        <translation>移除节点</translation>
    </message>
    <message>
        <source>Remove node %1 from the cluster? It stops receiving traffic and cluster sync.</source>
        <translation>从集群中移除节点 %1？该节点将不再接收流量和集群同步。</translation>
    </message>
    <message>
        <source>Weight of %1 (1-256):</source>
        <translation>%1 的权重（1-256）：</translation>
    </message>
    <message>
        <source>Nodes</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>No node selected: select a node to see its health history and latency.</source>
        <translation>未选择节点：选择一个节点以查看其健康历史和延迟。</translation>
    </message>
    <message>
        <source>Node %1: health history and latency</source>
        <translation>节点 %1：健康历史和延迟</translation>
    </message>
    <message>
        <source>%1  (TLS not verified)</source>
        <translation>%1（TLS 未校验）</translation>
    </message>
    <message>
        <source>tls_insecure is set: the node&apos;s certificate is not verified, so its traffic can be read and changed on the way.</source>
        <translation>已设置 tls_insecure：不校验节点证书，其流量在途中可被读取和篡改。</translation>
    </message>
    <message>
        <source>%1: measured there, not by the daemon this console is attached to.</source>
        <translation>%1：在那里测量，不是由本控制台所连接的守护进程测量。</translation>
    </message>
    <message>
        <source>checked by another daemon</source>
        <translation>由另一个守护进程检查</translation>
    </message>
    <message>
        <source>checked by daemon %1</source>
        <translation>由守护进程 %1 检查</translation>
    </message>
    <message>
        <source>Node %1 is checked by another daemon: its latency is measured there, not by the daemon this console is attached to. Its state above is the one that daemon recorded.</source>
        <translation>节点 %1 由另一个守护进程检查：其延迟在那里测量，不是由本控制台所连接的守护进程测量。上方的状态是该守护进程记录的状态。</translation>
    </message>
    <message>
        <source>Node %1 is checked by daemon %2: its latency is measured there, not by the daemon this console is attached to. Its state above is the one that daemon recorded; attach the console to that daemon (Daemons page) to see its latency.</source>
        <translation>节点 %1 由守护进程 %2 检查：其延迟在那里测量，不是由本控制台所连接的守护进程测量。上方的状态是该守护进程记录的状态；将控制台连接到该守护进程（见“守护进程”页）即可查看其延迟。</translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::OverviewPage</name>
    <message>
        <source>Response time per node</source>
        <translation>各节点响应时间</translation>
    </message>
    <message>
        <source>ms</source>
        <translation>毫秒</translation>
    </message>
    <message>
        <source>Sync queue</source>
        <translation>同步队列</translation>
    </message>
    <message>
        <source>deliveries</source>
        <translation>投递数</translation>
    </message>
    <message>
        <source>Deliveries per second per target</source>
        <translation>各目标每秒投递数</translation>
    </message>
    <message>
        <source>Nodes</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>Active nodes</source>
        <translation>活跃节点</translation>
    </message>
    <message>
        <source>Sync backlog</source>
        <translation>同步积压</translation>
    </message>
    <message>
        <source>Dead letters</source>
        <translation>死信</translation>
    </message>
    <message>
        <source>Resume charts</source>
        <translation>继续图表</translation>
    </message>
    <message>
        <source>Pause charts</source>
        <translation>暂停图表</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 毫秒</translation>
    </message>
    <message>
        <source>delivered / s</source>
        <translation>每秒投递</translation>
    </message>
    <message>
        <source>failures (all)</source>
        <translation>失败（全部）</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>概览</translation>
    </message>
    <message>
        <source>5 min</source>
        <translation>5 分钟</translation>
    </message>
    <message>
        <source>Down / failed nodes</source>
        <translation>故障 / 失效节点</translation>
    </message>
    <message>
        <source>Requests, last %1</source>
        <translation>请求数（最近 %1）</translation>
    </message>
    <message>
        <source>Success rate, last %1</source>
        <translation>成功率（最近 %1）</translation>
    </message>
    <message>
        <source>Avg response time, last %1</source>
        <translation>平均响应时间（最近 %1）</translation>
    </message>
    <message>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <source>%1 requests since the engine started, %2 failed</source>
        <translation>引擎启动以来共 %1 个请求，%2 个失败</translation>
    </message>
    <message>
        <source>%1 of %2 requests in the last %3 failed</source>
        <translation>最近 %3内 %2 个请求中有 %1 个失败</translation>
    </message>
    <message>
        <source>Sync backlog (%1 more held)</source>
        <translation>同步积压（另暂扣 %1）</translation>
    </message>
    <message>
        <source>pending</source>
        <translation>待投递</translation>
    </message>
    <message>
        <source>held</source>
        <translation>暂扣</translation>
    </message>
    <message>
        <source>Not known while the store cannot be reached: %1</source>
        <translation>无法连接存储，暂时未知：%1</translation>
    </message>
    <message>
        <source>Deliveries per second per target, this daemon: %1</source>
        <translation>各目标每秒投递数，本守护进程：%1</translation>
    </message>
    <message>
        <source>delivered / s by this daemon</source>
        <translation>本守护进程每秒投递</translation>
    </message>
    <message>
        <source>all %1 daemons</source>
        <translation>全部 %1 个守护进程</translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::RestoreDialog</name>
    <message>
        <source>&amp;Restore</source>
        <translation>恢复(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Open restored store</source>
        <translation>打开恢复的存储(&amp;O)</translation>
    </message>
    <message>
        <source>Restore a backup</source>
        <translation>从备份恢复</translation>
    </message>
    <message>
        <source>a .jfbackup file made by Backup… or jobfirstctl backup create</source>
        <translation>由“备份…”或 jobfirstctl backup create 生成的 .jfbackup 文件</translation>
    </message>
    <message>
        <source>the passphrase given when the backup was made</source>
        <translation>制作备份时设置的口令</translation>
    </message>
    <message>
        <source>a new store file, e.g. restored.db (never an existing one)</source>
        <translation>新的存储文件，例如 restored.db（不能是已有文件）</translation>
    </message>
    <message>
        <source>Paths are on the engine&apos;s machine (%1): the engine reads the backup and writes the new store there.</source>
        <translation>路径位于引擎所在的机器（%1）：引擎在那里读取备份并写入新存储。</translation>
    </message>
    <message>
        <source>The engine reads the backup and writes the new store on this computer.</source>
        <translation>引擎在本机读取备份并写入新存储。</translation>
    </message>
    <message>
        <source>Restoring writes a new store from a backup; the store the engine runs on now is not touched. A wrong passphrase, or a backup file that was truncated or altered, is refused and nothing is written.</source>
        <translation>恢复会根据备份写入一个新的存储；引擎当前使用的存储不受影响。口令错误，或备份文件被截断、被篡改时，恢复会被拒绝，且不写入任何内容。</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览……</translation>
    </message>
    <message>
        <source>Backup file:</source>
        <translation>备份文件：</translation>
    </message>
    <message>
        <source>Passphrase:</source>
        <translation>口令：</translation>
    </message>
    <message>
        <source>Restore into:</source>
        <translation>恢复到：</translation>
    </message>
    <message>
        <source>Backup to restore</source>
        <translation>要恢复的备份</translation>
    </message>
    <message>
        <source>JobFirst backups (*.jfbackup);;All files (*)</source>
        <translation>JobFirst 备份 (*.jfbackup);;所有文件 (*)</translation>
    </message>
    <message>
        <source>New store for the restored backup</source>
        <translation>用于恢复备份的新存储</translation>
    </message>
    <message>
        <source>Cluster stores (*.db)</source>
        <translation>集群存储 (*.db)</translation>
    </message>
    <message>
        <source>The new store cannot be the backup file itself.</source>
        <translation>新存储不能是备份文件本身。</translation>
    </message>
    <message>
        <source>Restoring %1 into %2: decrypting and checking the backup…</source>
        <translation>正在将 %1 恢复到 %2：解密并校验备份……</translation>
    </message>
    <message>
        <source>Not restored: %1. Nothing was written.</source>
        <translation>未恢复：%1。未写入任何内容。</translation>
    </message>
    <message>
        <source>The engine keeps running on its own store. To run on the restored one, stop jobfirstd on %1 and start it with --db %2.</source>
        <translation>引擎继续使用它自己的存储。要使用恢复的存储，请停止 %1 上的 jobfirstd，并以 --db %2 重新启动。</translation>
    </message>
    <message>
        <source>The engine keeps running on its own store. &quot;Open restored store&quot; switches this console to the restored one (or start an engine on it later: jobfirstd --db %1).</source>
        <translation>引擎继续使用它自己的存储。“打开恢复的存储”会将本控制台切换到恢复的存储（也可以稍后在其上启动引擎：jobfirstd --db %1）。</translation>
    </message>
    <message>
        <source>Restored the backup made %1 (%2 store, checked) into %3.</source>
        <translation>已将 %1 制作的备份（存储 %2，已校验）恢复到 %3。</translation>
    </message>
    <message>
        <source>wrong passphrase (not the one given when the backup was made)</source>
        <translation>口令错误（不是制作备份时设置的口令）</translation>
    </message>
    <message>
        <source>the file is not a JobFirst backup</source>
        <translation>该文件不是 JobFirst 备份</translation>
    </message>
    <message>
        <source>the file is a JobFirst backup of a format this version does not read</source>
        <translation>该文件是 JobFirst 备份，但其格式本版本无法读取</translation>
    </message>
    <message>
        <source>the backup file was altered: its header&apos;s key settings are out of range</source>
        <translation>备份文件已被篡改：文件头中的密钥参数超出范围</translation>
    </message>
    <message>
        <source>the backup file is truncated: it is shorter than its header says (copied only in part?)</source>
        <translation>备份文件被截断：比文件头记录的长度短（可能只复制了一部分？）</translation>
    </message>
    <message>
        <source>the backup file was altered: it is longer than its header says</source>
        <translation>备份文件已被篡改：比文件头记录的长度长</translation>
    </message>
    <message>
        <source>the backup file was altered or damaged: its checksum does not match</source>
        <translation>备份文件已被篡改或损坏：校验和不符</translation>
    </message>
    <message>
        <source>the backup decrypts, but the store inside fails its integrity check</source>
        <translation>备份可以解密，但其中的存储未通过完整性检查</translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::SloPanel</name>
    <message numerus="yes">
        <source>%Ln day(s)</source>
        <translation>
            <numerusform>%Ln 天</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln hour(s)</source>
        <translation>
            <numerusform>%Ln 小时</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 毫秒</translation>
    </message>
    <message>
        <source>Cluster availability</source>
        <translation>集群可用性</translation>
    </message>
    <message>
        <source>Real-time sync latency (p99)</source>
        <translation>实时同步延迟（p99）</translation>
    </message>
    <message>
        <source>Data consistency</source>
        <translation>数据一致性</translation>
    </message>
    <message>
        <source>Recovery from down to up (worst)</source>
        <translation>从故障到恢复的时间（最差）</translation>
    </message>
    <message>
        <source>Failure to alert (worst)</source>
        <translation>从故障到告警的时间（最差）</translation>
    </message>
    <message>
        <source>nothing to measure</source>
        <translation>无可度量的数据</translation>
    </message>
    <message>
        <source>Success metrics of the plan</source>
        <translation>方案成功指标</translation>
    </message>
    <message>
        <source>Metric</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>Measured</source>
        <translation>实测值</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>目标</translation>
    </message>
    <message>
        <source>Window</source>
        <translation>时间窗口</translation>
    </message>
    <message>
        <source>measuring…</source>
        <translation>测量中…</translation>
    </message>
    <message>
        <source>The success metrics could not be read: %1. Trying again…</source>
        <translation>无法读取成功指标：%1。正在重试…</translation>
    </message>
    <message>
        <source>could not be read</source>
        <translation>无法读取</translation>
    </message>
    <message>
        <source>Least available node over the last day: %1, %2 % (target 99.9 %)</source>
        <translation>过去一天可用性最低的节点：%1，%2 %（目标 99.9 %）</translation>
    </message>
    <message>
        <source>Least available node over the last %1: %2, %3 % (target 99.9 %)</source>
        <translation>过去 %1内可用性最低的节点：%2，%3 %（目标 99.9 %）</translation>
    </message>
    <message>
        <source>%1 observed of %2</source>
        <translation>%2内已观测 %1</translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::SyncPage</name>
    <message>
        <source>disabled</source>
        <translation>已停用</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>active</source>
        <translation>活跃</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>目标</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Circuit</source>
        <translation>熔断器</translation>
    </message>
    <message>
        <source>Backlog</source>
        <translation>积压</translation>
    </message>
    <message>
        <source>Oldest waiting</source>
        <translation>最久等待</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>已投递</translation>
    </message>
    <message>
        <source>Retries</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>In flight</source>
        <translation>发送中</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>最近错误</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>尝试次数</translation>
    </message>
    <message>
        <source>Next attempt</source>
        <translation>下次尝试</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>已等待</translation>
    </message>
    <message>
        <source>Failed at</source>
        <translation>失败时间</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>HTTP</source>
        <translation>HTTP</translation>
    </message>
    <message>
        <source>Duration (ms)</source>
        <translation>耗时（毫秒）</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Response</source>
        <translation>响应</translation>
    </message>
    <message>
        <source>Discard dead letters</source>
        <translation>丢弃死信</translation>
    </message>
    <message numerus="yes">
        <source>Discard %Ln dead letter(s)? They will not be delivered; the audit log keeps who discarded them.</source>
        <translation>
            <numerusform>丢弃 %Ln 条死信？它们将不会被投递；审计日志会记录是谁丢弃的。</numerusform>
        </translation>
    </message>
    <message>
        <source>Users to import</source>
        <translation>要导入的用户</translation>
    </message>
    <message>
        <source>Users (*.jsonl *.json *.csv);;All files (*)</source>
        <translation>用户 (*.jsonl *.json *.csv);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Targets</source>
        <translation>目标</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>队列</translation>
    </message>
    <message>
        <source>Dead letters</source>
        <translation>死信</translation>
    </message>
    <message>
        <source>Consistency</source>
        <translation>一致性</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>恢复</translation>
    </message>
    <message>
        <source>Enable</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>停用</translation>
    </message>
    <message>
        <source>Retry selected</source>
        <translation>重试所选</translation>
    </message>
    <message>
        <source>Discard selected…</source>
        <translation>丢弃所选……</translation>
    </message>
    <message>
        <source>Replay window</source>
        <translation>重放时间窗</translation>
    </message>
    <message>
        <source>Replay dead letters of</source>
        <translation>重放以下目标的死信</translation>
    </message>
    <message>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <source>File (JSON Lines or CSV):</source>
        <translation>文件（JSON Lines 或 CSV）：</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>检查</translation>
    </message>
    <message>
        <source>Check and repair</source>
        <translation>检查并修复</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览……</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>all targets</source>
        <translation>全部目标</translation>
    </message>
    <message>
        <source>Comparing %1 with the ledger…</source>
        <translation>正在将 %1 与账本比对……</translation>
    </message>
    <message>
        <source>Check failed: %1</source>
        <translation>检查失败：%1</translation>
    </message>
    <message>
        <source>Target: %1
Records acknowledged (ledger): %2
Records held by the target: %3
Missing: %4   Stale: %5   Unknown: %6
Consistency: %7%
Buckets differing: %8 of %9
</source>
        <translation>目标：%1
已确认记录（账本）：%2
目标持有记录：%3
缺失：%4   过期：%5   未知：%6
一致率：%7%
不一致的分桶：%8 / %9
</translation>
    </message>
    <message>
        <source>Repaired: %1 events sent again
</source>
        <translation>已修复：重新发送 %1 个事件
</translation>
    </message>
    <message>
        <source>Choose a file first.</source>
        <translation>请先选择文件。</translation>
    </message>
    <message>
        <source>Importing %1…</source>
        <translation>正在导入 %1……</translation>
    </message>
    <message>
        <source>Import failed: %1</source>
        <translation>导入失败：%1</translation>
    </message>
    <message numerus="yes">
        <source>Import cancelled after %Ln user(s); start it again to resume.</source>
        <translation>
            <numerusform>已导入 %Ln 个用户后取消；再次开始即可从断点继续。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Imported %Ln user(s) (%1).</source>
        <translation>
            <numerusform>已导入 %Ln 个用户（%1）。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln line(s)</source>
        <translation>
            <numerusform>%Ln 行</numerusform>
        </translation>
    </message>
    <message>
        <source>Resumed where an earlier run stopped.</source>
        <translation>已从上次中断处继续。</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>同步</translation>
    </message>
    <message numerus="yes">
        <source>%Ln users (bulk)</source>
        <translation>
            <numerusform>%Ln 个用户（批量）</numerusform>
        </translation>
    </message>
    <message>
        <source>JobFirst services</source>
        <translation>JobFirst 微服务</translation>
    </message>
    <message>
        <source>Cluster nodes (cluster sync to each Basic Server node)</source>
        <translation>集群节点（向每个 Basic Server 节点的集群同步）</translation>
    </message>
    <message>
        <source>No dead letter selected: select one to see its attempts and payload.</source>
        <translation>未选择死信：选择一条以查看其投递尝试和内容。</translation>
    </message>
    <message numerus="yes">
        <source>%Ln dead letters selected: select one to see its attempts and payload.</source>
        <translation>
            <numerusform>已选择 %Ln 条死信：请只选择一条以查看其投递尝试和内容。</numerusform>
        </translation>
    </message>
    <message>
        <source>Dead letter %1 to %2: attempts and payload</source>
        <translation>发往 %2 的死信 %1：投递尝试和内容</translation>
    </message>
    <message>
        <source>open, next probe in %1</source>
        <translation>断开，%1后再次探测</translation>
    </message>
    <message>
        <source>held: target disabled</source>
        <translation>暂扣：目标已停用</translation>
    </message>
    <message>
        <source>held: target paused</source>
        <translation>暂扣：目标已暂停</translation>
    </message>
    <message>
        <source>waiting for the circuit, next probe in %1</source>
        <translation>等待熔断器，%1后再次探测</translation>
    </message>
    <message>
        <source>waiting for the circuit</source>
        <translation>等待熔断器</translation>
    </message>
    <message>
        <source>waiting for the circuit&apos;s probe</source>
        <translation>等待熔断器的探测请求</translation>
    </message>
    <message>
        <source>retry in %1</source>
        <translation>%1后重试</translation>
    </message>
    <message>
        <source>due now</source>
        <translation>即将发送</translation>
    </message>
    <message>
        <source>%1  (TLS not verified)</source>
        <translation>%1（TLS 未校验）</translation>
    </message>
    <message>
        <source>tls_insecure is set: the target&apos;s certificate is not verified, so its deliveries can be read and changed on the way.</source>
        <translation>已设置 tls_insecure：不校验该目标的证书，其投递内容可能在传输途中被读取或篡改。</translation>
    </message>
    <message>
        <source>Edit connection…</source>
        <translation>编辑连接……</translation>
    </message>
    <message>
        <source>%1  (unsigned)</source>
        <translation>%1（未签名）</translation>
    </message>
    <message>
        <source>cluster_secret is empty: cluster sync to this node goes out unsigned, and the node cannot tell it from a forgery. Set cluster_secret in the config.</source>
        <translation>cluster_secret 为空：发往此节点的集群同步未签名，节点无法将其与伪造请求区分。请在配置中设置 cluster_secret。</translation>
    </message>
    <message>
        <source>Delivered since the engine started at %1; the count starts again when the engine restarts.</source>
        <translation>自引擎于 %1 启动以来的投递数；引擎重启后重新计数。</translation>
    </message>
    <message>
        <source>This target has no secret: its deliveries go out unsigned, and it cannot tell them from a forgery. Give it one in the config (jobfirstctl target set %1 --secret-file FILE).</source>
        <translation>此目标没有密钥：其投递未签名，目标无法将其与伪造请求区分。请在配置中为它设置密钥（jobfirstctl target set %1 --secret-file FILE）。</translation>
    </message>
    <message>
        <source>Delivered
since %1</source>
        <translation>已投递
自 %1 起</translation>
    </message>
    <message numerus="yes">
        <source>%Ln dead letter(s) discarded.</source>
        <translation>
            <numerusform>已丢弃 %Ln 条死信。</numerusform>
        </translation>
    </message>
    <message>
        <source>Discard failed: %1</source>
        <translation>丢弃失败：%1</translation>
    </message>
    <message>
        <source>No dead letter failed in that window: nothing was sent again.</source>
        <translation>该时间段内没有失败的死信：没有重新发送任何内容。</translation>
    </message>
    <message numerus="yes">
        <source>%Ln dead letter(s) queued again.</source>
        <translation>
            <numerusform>%Ln 条死信已重新排队。</numerusform>
        </translation>
    </message>
    <message>
        <source>Replay failed: %1</source>
        <translation>重放失败：%1</translation>
    </message>
    <message>
        <source>Retry failed: %1</source>
        <translation>重试失败：%1</translation>
    </message>
    <message>
        <source>Canceled before the engine answered; check again to see where the target stands.</source>
        <translation>引擎应答前已取消；请重新检查以了解该目标的状态。</translation>
    </message>
    <message>
        <source>delivering again; last failed at %1: %2</source>
        <translation>已恢复投递；上次失败于 %1：%2</translation>
    </message>
    <message numerus="yes">
        <source>%Ln line(s) were not users; the first: %1</source>
        <translation>
            <numerusform>%Ln 行不是有效用户；第一处：%1</numerusform>
        </translation>
    </message>
    <message>
        <source>not a JSON object (%1)</source>
        <translation>不是 JSON 对象（%1）</translation>
    </message>
    <message>
        <source>%1 fields where the header has %2</source>
        <translation>有 %1 个字段，而表头有 %2 个</translation>
    </message>
    <message>
        <source>%1 bytes, more than sync_max_event_bytes (%2)</source>
        <translation>%1 字节，超过 sync_max_event_bytes（%2）</translation>
    </message>
    <message>
        <source>as an event it would be more than sync_max_event_bytes (%1 bytes)</source>
        <translation>作为事件将超过 sync_max_event_bytes（%1 字节）</translation>
    </message>
    <message>
        <source>line %1: %2</source>
        <translation>第 %1 行：%2</translation>
    </message>
    <message>
        <source>not delivering (circuit open)</source>
        <translation>未投递（熔断器断开）</translation>
    </message>
    <message>
        <source>probing (circuit half-open)</source>
        <translation>探测中（熔断器半开）</translation>
    </message>
    <message>
        <source>%1 held</source>
        <translation>暂扣 %1</translation>
    </message>
    <message>
        <source>held (node not up)</source>
        <translation>等待中（节点不可用）</translation>
    </message>
    <message>
        <source>held (node %1)</source>
        <comment>the node&apos;s state: down, failed, maintenance…</comment>
        <translation>等待中（节点%1）</translation>
    </message>
    <message>
        <source>held: node not up</source>
        <translation>暂扣：节点不可用</translation>
    </message>
    <message>
        <source>held: node %1</source>
        <comment>the node&apos;s state: down, failed, maintenance…</comment>
        <translation>暂扣：节点%1</translation>
    </message>
    <message>
        <source>Not tried since the engine started: whether it answers is not known until a delivery to it is tried.</source>
        <translation>自引擎启动以来尚未尝试：在尝试向它投递之前，不知道它是否应答。</translation>
    </message>
    <message>
        <source>not tried since start</source>
        <translation>启动以来未尝试</translation>
    </message>
    <message>
        <source>Not known while the store cannot be reached: %1</source>
        <translation>无法连接存储，暂时未知：%1</translation>
    </message>
    <message numerus="yes">
        <source>Replay %Ln dead letter(s) that failed between %1 and %2 to %3? They are sent again now; the audit log keeps who replayed them.</source>
        <translation>
            <numerusform>重放 %1 至 %2 之间失败的 %Ln 条死信到 %3？它们将立即重新发送；审计日志会记录是谁重放的。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Replay at least %Ln dead letter(s) that failed between %1 and %2 to %3 (the list shows the newest %4 only)? They are sent again now; the audit log keeps who replayed them.</source>
        <translation>
            <numerusform>重放 %1 至 %2 之间失败的至少 %Ln 条死信到 %3（列表只显示最新的 %4 条）？它们将立即重新发送；审计日志会记录是谁重放的。</numerusform>
        </translation>
    </message>
    <message>
        <source>Replay dead letters</source>
        <translation>重放死信</translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::TargetDialog</name>
    <message>
        <source>Connection of target %1</source>
        <translation>目标 %1 的连接</translation>
    </message>
    <message>
        <source>path, optional</source>
        <translation>路径，可选</translation>
    </message>
    <message>
        <source>Do not verify the target&apos;s certificate</source>
        <translation>不校验目标的证书</translation>
    </message>
    <message>
        <source>Insecure: anyone between the engine and this target can read and change its deliveries.</source>
        <translation>不安全：引擎与该目标之间的任何人都可以读取并篡改其投递内容。</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>TLS and authentication (files on the engine&apos;s machine)</source>
        <translation>TLS 与认证（引擎所在机器上的文件）</translation>
    </message>
    <message>
        <source>CA certificates (PEM)</source>
        <translation>CA 证书（PEM）</translation>
    </message>
    <message>
        <source>Client certificate (mTLS)</source>
        <translation>客户端证书（mTLS）</translation>
    </message>
    <message>
        <source>Client key</source>
        <translation>客户端私钥</translation>
    </message>
    <message>
        <source>Bearer token file</source>
        <translation>Bearer 令牌文件</translation>
    </message>
    <message>
        <source>Reading the running configuration…</source>
        <translation>正在读取运行中的配置……</translation>
    </message>
    <message>
        <source>There is no sync target &quot;%1&quot; in the running configuration.</source>
        <translation>运行中的配置里没有同步目标“%1”。</translation>
    </message>
    <message>
        <source>Not changed: %1</source>
        <translation>未更改：%1</translation>
    </message>
</context>
</TS>
