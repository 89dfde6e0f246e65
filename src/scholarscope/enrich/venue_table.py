"""The venues we recognise, and the names people write for them (data, read once).

Kept apart from ``venues.py`` (which reads comments) so the table can grow on its own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Venue:
    """A venue and the names people write for it.

    ``aliases`` match case-insensitively, with spaces matching any spaces or hyphens or
    nothing ("ACM MM" also matches "ACMMM" and "ACM-MM"). ``exact`` aliases match
    case-sensitively: acronyms that are also words ("CHI", "RSS") and journals named by
    ordinary words ("Nature", "Pattern Recognition").
    """

    name: str
    kind: str  # "conference" | "journal"
    aliases: tuple[str, ...] = ()
    exact: tuple[str, ...] = ()


# One venue a line: its short name, then other names people write for it, "|" between.
# A name in `backquotes` matches case-sensitively; the short name is a name too; a venue
# may take two lines.
# Grown from the venues that the 28,745 comments of ../shared/data/arxiv-cs/ name most.
CONFERENCES = """
# machine learning and AI
NeurIPS | NIPS | Neural Information Processing Systems
ICML | International Conference on Machine Learning
ICLR | International Conference on Learning Representations
AAAI | AAAI Conference on Artificial Intelligence
IJCAI | IJCAI-ECAI | International Joint Conference on Artificial Intelligence
ECAI | European Conference on Artificial Intelligence
AISTATS | International Conference on Artificial Intelligence and Statistics
`UAI` | Conference on Uncertainty in Artificial Intelligence
`COLT` | Conference on Learning Theory
COLM | Conference on Language Modeling
EurIPS
AAMAS | Autonomous Agents and Multi Agent Systems
ICAPS | International Conference on Automated Planning and Scheduling
`KR` | Principles of Knowledge Representation and Reasoning
IJCNN | International Joint Conference on Neural Networks
ICANN | International Conference on Artificial Neural Networks
ICONIP | International Conference on Neural Information Processing
ECML PKDD | ECMLPKDD | ECML | Machine Learning and Knowledge Discovery in Databases
PAKDD | Pacific-Asia Conference on Knowledge Discovery and Data Mining
ICMLA | International Conference on Machine Learning and Applications
FAccT | Conference on Fairness, Accountability, and Transparency
AIES | AAAI/ACM Conference on AI, Ethics, and Society | AAAI/ACM AI, Ethics, and Society
ICLP | International Conference on Logic Programming
ICAIL | International Conference on Artificial Intelligence and Law
GECCO | Genetic and Evolutionary Computation Conference
AIED | Artificial Intelligence in Education
CogSci | Annual Meeting of the Cognitive Science Society
*SEM | Joint Conference on Lexical and Computational Semantics
# computer vision, graphics, multimedia, medical imaging
CVPR | Conference on Computer Vision and Pattern Recognition
ICCV | International Conference on Computer Vision
ECCV | European Conference on Computer Vision
WACV | Winter Conference on Applications of Computer Vision
ACCV | Asian Conference on Computer Vision
BMVC | British Machine Vision Conference
3DV | International Conference on 3D Vision
ICPR | International Conference on Pattern Recognition
ICIP | International Conference on Image Processing
ICME | Conference on Multimedia and Expo
ACM MM | ACM Multimedia | ACM International Conference on Multimedia
ACM MM Asia | ACM Multimedia Asia | MMAsia
ICMR | International Conference on Multimedia Retrieval
`FG` | Automatic Face and Gesture Recognition
IJCB | International Joint Conference on Biometrics
ICDAR | International Conference on Document Analysis and Recognition
ICIAP | International Conference on Image Analysis and Processing
VISAPP
PRCV | Pattern Recognition and Computer Vision
SIGGRAPH
SIGGRAPH Asia
MICCAI | Medical Image Computing and Computer Assisted Intervention
ISBI | International Symposium on Biomedical Imaging
MIDL | Medical Imaging with Deep Learning
IPMI | Information Processing in Medical Imaging
IGARSS | International Geoscience and Remote Sensing Symposium
# language and speech
ACL | Association for Computational Linguistics
EMNLP | Empirical Methods in Natural Language Processing
NAACL | North American Chapter of the Association for Computational Linguistics
EACL | European Chapter of the Association for Computational Linguistics
AACL | IJCNLP-AACL | Asia-Pacific Chapter of the Association for Computational Linguistics
COLING | International Conference on Computational Linguistics
LREC | Conference on Language Resources and Evaluation
LREC | Language Resources and Evaluation Conference
LREC-COLING | LREC COLING
CoNLL | Conference on Computational Natural Language Learning
SemEval | International Workshop on Semantic Evaluation
WMT | Conference on Machine Translation
IWSLT
SIGDIAL
INLG | International Natural Language Generation Conference
RANLP
INTERSPEECH
ICASSP | International Conference on Acoustics, Speech, and Signal Processing
ASRU | Automatic Speech Recognition and Understanding
EUSIPCO | European Signal Processing Conference
ISMIR | International Society for Music Information Retrieval
# data, web, retrieval, HCI
KDD | SIGKDD | Knowledge Discovery and Data Mining
`WWW` | The Web Conference | ACM Web Conference | TheWebConf
SIGIR | Research and Development in Information Retrieval
SIGIR-AP
CIKM | Conference on Information and Knowledge Management
WSDM | Web Search and Data Mining
ICDE | International Conference on Data Engineering
ICDM | International Conference on Data Mining
VLDB | PVLDB | Proceedings of the VLDB Endowment
SIGMOD
RecSys | Conference on Recommender Systems
ECIR | European Conference on Information Retrieval
ICWSM | AAAI Conference on Web and Social Media | Conference on Web and Social Media
`SDM` | SIAM International Conference on Data Mining
`CHI` | Conference on Human Factors in Computing Systems
UIST | Symposium on User Interface Software and Technology
CSCW | Computer-Supported Cooperative Work
IUI | Conference on Intelligent User Interfaces
ISMAR | Symposium on Mixed and Augmented Reality
# robotics, vehicles, signals, systems, security, theory
ICRA | International Conference on Robotics and Automation
IROS | International Conference on Intelligent Robots and Systems
`RSS` | Robotics: Science and Systems
CoRL | Conference on Robot Learning
ITSC | International Conference on Intelligent Transportation Systems
EMBC | Engineering in Medicine and Biology Conference
`CASE` | Conference on Automation Science and Engineering
BIBM | Conference on Bioinformatics and Biomedicine
ISIT | International Symposium on Information Theory
`ICC` | International Conference on Communications
`SMC` | Conference on Systems, Man, and Cybernetics
GLOBECOM
INFOCOM
`CCS` | ACM CCS | Conference on Computer and Communications Security
USENIX Security
IEEE S&P | IEEE Symposium on Security and Privacy
NDSS
ICSE | International Conference on Software Engineering
`FSE` | ESEC/FSE
`ASE` | International Conference on Automated Software Engineering
`STOC`
`FOCS`
`SODA`
"""
JOURNALS = """
TPAMI | T-PAMI | IEEE PAMI | Transactions on Pattern Analysis and Machine Intelligence
IJCV | International Journal of Computer Vision
`TIP` | T-IP | Transactions on Image Processing
TIFS | T-IFS | Transactions on Information Forensics and Security
TOMM | Transactions on Multimedia Computing, Communications, and Applications
TMM | T-MM | Transactions on Multimedia
TNNLS | Transactions on Neural Networks and Learning Systems
TKDE | Transactions on Knowledge and Data Engineering
TCSVT | T-CSVT | Transactions on Circuits and Systems for Video Technology
TGRS | Transactions on Geoscience and Remote Sensing
`TMI` | Transactions on Medical Imaging
TVCG | Transactions on Visualization and Computer Graphics
TITS | T-ITS | Transactions on Intelligent Transportation Systems
TASLP | Transactions on Audio, Speech, and Language Processing
TAFFC | Transactions on Affective Computing
`TMC` | Transactions on Mobile Computing
`TIT` | Transactions on Information Theory
`TOG` | ACM Transactions on Graphics | ACM Trans. Graph
T-RO | Transactions on Robotics
RA-L | Robotics and Automation Letters | `RAL`
JBHI | Journal of Biomedical and Health Informatics
J-STARS | JSTARS | Applied Earth Observations and Remote Sensing
IEEE Access
TMLR | Transactions on Machine Learning Research
JMLR | Journal of Machine Learning Research
TACL | Transactions of the Association for Computational Linguistics
JAIR | Journal of Artificial Intelligence Research
CVIU | Computer Vision and Image Understanding
`Pattern Recognition`
Pattern Recognition Letters
Neurocomputing
`Neural Networks`
`Information Fusion`
Knowledge-Based Systems
Expert Systems with Applications | ESWA
`Medical Image Analysis` | `MedIA`
ACM Computing Surveys | CSUR
`Nature`
Nature Communications
Nature Machine Intelligence
Scientific Reports
`Science`
PLOS ONE
"""


def _read_table(table: str, kind: str) -> list[Venue]:
    venues: dict[str, Venue] = {}
    for line in table.splitlines():
        if not line or line.startswith("#"):
            continue
        names = [name.strip() for name in line.split("|")]
        short = names[0].strip("`")
        aliases = tuple(name for name in names if not name.startswith("`"))
        exact = tuple(name.strip("`") for name in names if name.startswith("`"))
        if short in venues:
            known = venues[short].aliases
            aliases, exact = known + tuple(a for a in aliases if a not in known), exact
            exact = venues[short].exact + exact
        venues[short] = Venue(short, kind, aliases, exact)
    return list(venues.values())


VENUES: tuple[Venue, ...] = (
    *_read_table(CONFERENCES, "conference"),
    *_read_table(JOURNALS, "journal"),
)

# Names that contain a venue alias but are not a venue.
NOT_VENUES = (
    "ACL Rolling Review", "ACL ARR", "ACL Anthology", "ACM Reference Format",
    # "Findings of the ACL: EMNLP 2025" is EMNLP
    "Findings of the Association for Computational Linguistics:", "Findings of the ACL:",
    "Findings of ACL:",
)  # fmt: skip
